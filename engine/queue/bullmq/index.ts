export { BullmqOperationQueue, openBullmqOperationQueue } from './bullmq-queue';
export type { BullmqQueueLocation, BullmqQueueOptions, RedisClientSource } from './bullmq-queue';
