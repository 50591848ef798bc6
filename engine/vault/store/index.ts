export {
  openStoreVault,
  STORE_VAULT_KEY,
  type SealedEntryStore,
  type StoreVaultOptions,
} from './store-vault';
