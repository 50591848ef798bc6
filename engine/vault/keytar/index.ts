export { openKeytarVault } from './keytar-vault';
export type { KeychainBinding, KeytarVaultOptions } from './keytar-vault';
