// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandPalette } from '../app/CommandPalette';
import { Modal } from './Modal';

function Opener() {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  return (
    <>
      <button type="button" onClick={() => setOpen(true)}>
        Scale
      </button>
      <button type="button">Behind</button>
      {open && (
        // A new onClose closure on every render, as most callers pass.
        <Modal title="Scale replicas" onClose={() => setOpen(false)}>
          <input aria-label="Replicas" value={typed} onChange={(e) => setTyped(e.target.value)} />
          <input aria-label="Reason" />
          <button type="button">Apply</button>
        </Modal>
      )}
    </>
  );
}

const tab = (shiftKey = false): boolean =>
  fireEvent.keyDown(document.activeElement ?? document.body, { key: 'Tab', shiftKey });

describe('a dialog', () => {
  afterEach(cleanup);

  it('keeps Tab inside, closes on Escape and gives focus back to its opener', () => {
    render(<Opener />);
    const opener = screen.getByRole('button', { name: 'Scale' });
    opener.focus();
    fireEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Scale replicas' });
    expect(document.activeElement).toBe(screen.getByLabelText('Replicas'));

    // Typing re-renders the parent: focus stays where the user is.
    screen.getByLabelText('Reason').focus();
    fireEvent.change(screen.getByLabelText('Replicas'), { target: { value: '3' } });
    expect(document.activeElement).toBe(screen.getByLabelText('Reason'));

    // Tab from the last element wraps to the first (the close button), Shift+Tab back again.
    screen.getByRole('button', { name: 'Apply' }).focus();
    tab();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Close' }));
    tab(true);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Apply' }));
    // Focus that got out (a click behind the backdrop) is brought back in by the next Tab.
    screen.getByRole('button', { name: 'Behind' }).focus();
    tab();
    expect(dialog.contains(document.activeElement)).toBe(true);

    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('traps focus in the command palette too, and gives it back on Escape', () => {
    render(
      <>
        <button type="button">Before</button>
        <CommandPalette />
      </>,
    );
    const before = screen.getByRole('button', { name: 'Before' });
    before.focus();
    act(() => {
      fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    });
    const input = screen.getByLabelText('Go to a database, cluster or screen');
    expect(document.activeElement).toBe(input);
    tab();
    expect(document.activeElement).toBe(input);
    tab(true);
    expect(document.activeElement).toBe(input);
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(before);
  });
});
