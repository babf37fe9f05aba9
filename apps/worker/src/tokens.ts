/** Injection tokens for values that are not classes. */
export const CHUNK_EXECUTOR = Symbol('CHUNK_EXECUTOR');
