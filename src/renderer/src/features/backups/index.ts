export { BackupsPanel } from './BackupsPanel';
export { BackupStoragesPanel } from './BackupStoragesPanel';
export { BackupsTab } from './BackupsTab';
export { durationText } from './backup-format';
