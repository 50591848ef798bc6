export {
  createFleetStore,
  useFleetStore,
  isUnreachable,
  type FleetState,
  type FeedItem,
} from './fleet-store';
export { isFinished, applyDatabaseStatus, applyOperationProgress } from './fleet-events';
export { saveSnapshot, loadSnapshot, clearSnapshot, type FleetSnapshot } from './fleet-cache';
export { useToastStore, type Toast } from './toast-store';
export { usePreferencesStore, applyTheme, type ThemeChoice } from './preferences-store';
