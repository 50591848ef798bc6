export { BullmqOperationQueue, openBullmqOperationQueue } from './bullmq-queue';
export type { BullmqQueueLocation, BullmqQueueOptions } from './bullmq-queue';
