export { openFileVault } from './file-vault';
export type { FileVaultOptions } from './file-vault';
export { parseVaultKey } from './key';
export { openEntries, sealEntries } from './format';
export type { VaultEntries } from './format';
