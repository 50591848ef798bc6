export { DatabasesScreen } from './DatabasesScreen';
export { DatabaseDetail, publicConnectionString } from './DatabaseDetail';
export {
  filterDatabases,
  tenantsOf,
  useDatabaseFilters,
  NO_FILTERS,
  type DatabaseFilters,
} from './database-filters';
export { CredentialsPanel, REVEAL_MS } from './detail/CredentialsPanel';
export { DeleteDialog } from './detail/DeleteDialog';
export { ChangeDialog, upgradeTargetsFor } from './detail/ChangeDialog';
export { describeAction } from './detail/ActionDialog';
