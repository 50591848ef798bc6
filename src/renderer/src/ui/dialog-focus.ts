import { useEffect, useRef, type RefObject } from 'react';

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');

/** The elements of `box` that Tab reaches, in order. */
function focusables(box: HTMLElement): HTMLElement[] {
  return [...box.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (element) => !element.hasAttribute('hidden') && element.getAttribute('aria-hidden') !== 'true',
  );
}

/**
 * What a modal dialog owes the keyboard (WAI-ARIA's dialog pattern): it takes focus when it opens
 * (its first field, else the dialog itself), keeps Tab and Shift+Tab inside it, closes on Escape,
 * and gives focus back to whatever had it before — usually the button that opened it.
 */
export function useDialogFocus(
  box: RefObject<HTMLElement | null>,
  onClose: () => void,
  active = true,
): void {
  // The latest onClose, so that a parent's new closure on every render does not re-run the effect
  // (which would move focus back to the first field while the user types in another).
  const close = useRef(onClose);
  close.current = onClose;

  useEffect(() => {
    if (!active) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = box.current;
    const first = dialog
      ?.querySelectorAll<HTMLElement>('input, select, textarea, button:not(.modal-close)')
      .item(0);
    (first ?? dialog)?.focus();

    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') {
        event.preventDefault();
        close.current();
        return;
      }
      if (event.key !== 'Tab' || !dialog) return;
      const items = focusables(dialog);
      const current = document.activeElement;
      if (items.length === 0) {
        event.preventDefault();
        dialog.focus();
        return;
      }
      const firstItem = items[0]!;
      const lastItem = items[items.length - 1]!;
      const outside = !(current instanceof Node) || !dialog.contains(current);
      if (event.shiftKey && (outside || current === firstItem || current === dialog)) {
        event.preventDefault();
        lastItem.focus();
      } else if (!event.shiftKey && (outside || current === lastItem)) {
        event.preventDefault();
        firstItem.focus();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      if (previous?.isConnected) previous.focus();
    };
  }, [active, box]);
}
