import { create } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';

/** Where the desktop engine keeps its state, or which daemon the desktop attaches to. */
export interface EngineSettings {
  store: 'sqlite' | 'mongodb';
  mongodbUrl: string;
  redisUrl: string;
  remoteDaemonUrl: string;
  attachRemote: boolean;
}

export interface PreferencesState {
  theme: ThemeChoice;
  engine: EngineSettings;
  setTheme: (theme: ThemeChoice) => void;
  saveEngine: (settings: EngineSettings) => void;
}

const THEME_KEY = 'dbaas.theme';
const ENGINE_KEY = 'dbaas.engineSettings';

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  store: 'sqlite',
  mongodbUrl: '',
  redisUrl: '',
  remoteDaemonUrl: '',
  attachRemote: false,
};

function read<T>(key: string, fallback: T): T {
  try {
    const text = localStorage.getItem(key);
    return text ? { ...fallback, ...(JSON.parse(text) as Partial<T>) } : fallback;
  } catch {
    return fallback;
  }
}

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

/** Local preferences: the theme and the desktop's engine settings (kept in localStorage). */
export const usePreferencesStore = create<PreferencesState>((set) => ({
  theme: readTheme(),
  engine: read(ENGINE_KEY, DEFAULT_ENGINE_SETTINGS),
  setTheme: (theme) => {
    localStorage.setItem(THEME_KEY, theme);
    applyTheme(theme);
    set({ theme });
  },
  saveEngine: (engine) => {
    localStorage.setItem(ENGINE_KEY, JSON.stringify(engine));
    set({ engine });
  },
}));
