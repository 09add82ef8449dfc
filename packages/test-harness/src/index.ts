/** Cross-client interop drivers and fault injection for Cryptully; see the package README. */
export * from './fault-proxy.js';
