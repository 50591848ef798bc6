export { ClustersScreen } from './ClustersScreen';
export { providerNameFor } from './AddClusterForm';
