import { create } from 'zustand';

/** A short message in the corner; `tone` picks its colour. */
export interface Toast {
  id: number;
  text: string;
  tone: 'ok' | 'error' | 'info';
}

export interface ToastState {
  toasts: Toast[];
  push: (text: string, tone?: Toast['tone'], ttlMs?: number) => void;
  dismiss: (id: number) => void;
}

let nextId = 1;

/** Toasts for finished operations and completed actions; each goes away by itself. */
export const useToastStore = create<ToastState>((set, get) => ({
  toasts: [],
  push: (text, tone = 'info', ttlMs = 6000) => {
    const id = nextId++;
    set({ toasts: [...get().toasts, { id, text, tone }].slice(-5) });
    setTimeout(() => get().dismiss(id), ttlMs);
  },
  dismiss: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
}));
