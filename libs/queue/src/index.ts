export * from './queue-registry';
export * from './service-config';
export * from './redis-connection';
export * from './sweep-store';
export * from './sweep-queue';
export * from './sweep-errors';
export * from './sweep-lifecycle';
export * from './queue.module';
