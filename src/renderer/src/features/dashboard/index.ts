export { DashboardScreen } from './DashboardScreen';
export { summarise, operationsPerDay } from './fleet-summary';
