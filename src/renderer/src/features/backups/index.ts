export { BackupsPanel } from './BackupsPanel';
export { BackupStoragesPanel } from './BackupStoragesPanel';
