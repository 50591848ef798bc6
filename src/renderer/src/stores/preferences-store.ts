import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';

export interface PreferencesState {
  theme: ThemeChoice;
  setTheme: (theme: ThemeChoice) => void;
}

const THEME_KEY = 'dbaas.theme';
function readTheme(): ThemeChoice {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

/** Applies the theme to the page: `system` leaves it to prefers-color-scheme. */
export function applyTheme(theme: ThemeChoice): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/**
 * Local preferences: the theme (kept in localStorage). The desktop's engine settings are main's,
 * read and saved through `window.dbaas.settings`, since their URLs may carry passwords.
 */
export const usePreferencesStore = create<PreferencesState>((set) => ({
  theme: readTheme(),
  setTheme: (theme) => {
    localStorage.setItem(THEME_KEY, theme);
    applyTheme(theme);
    set({ theme });
  },
}));
