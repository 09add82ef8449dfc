/** Cross-client interop drivers and fault injection for Cryptully; see the package README. */
export const HARNESS_NAME = '@cryptully/test-harness';
export * from './fault-proxy.js';
