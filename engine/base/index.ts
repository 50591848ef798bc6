export * from './errors';
export * from './disposable';
export * from './clock';
export * from './backoff';
export * from './emitter';
export * from './fake-clock';
