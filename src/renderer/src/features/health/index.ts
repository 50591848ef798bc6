export { HealthPanel } from './HealthPanel';
export { createHealthStore, useHealthStore } from './health-store';
