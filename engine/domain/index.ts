/**
 * The language of the product: zod schemas and inferred types for every entity and request,
 * status enums and limits. Imports zod only, so the renderer may use it too.
 */
export * from './common';
export * from './quantity';
export * from './limits';
export * from './engine';
export * from './database';
export * from './database-view';
export * from './database-request';
export * from './provider';
export * from './operation';
export * from './backup';
export * from './tenancy';
export * from './audit';
export * from './auth';
export * from './validation';
export type * from './events';
export type * from './backup-views';
export type * from './alerts';
