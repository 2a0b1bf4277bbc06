export * from './client.js';
export * from './errors.js';
export * from './rate-limiter.js';
export * from './resource.js';
export * from './transport.js';
export type { WatchEvent } from './watch.js';
export * from './connect.js';
export * from './discovery.js';
