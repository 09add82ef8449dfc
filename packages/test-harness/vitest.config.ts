import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tests never reach the public DHT or the machine's router: a test that wants the DHT turns
    // it on with its own loopback bootstrap nodes (CRYPTULLY_NO_DHT: '' and --bootstrap), port
    // mapping only inside the harness's network lab. Join-code discovery broadcasts only on
    // loopback (CRYPTULLY_LAN_BROADCAST), never onto the machine's network.
    env: {
      CRYPTULLY_NO_DHT: '1',
      CRYPTULLY_NO_PORT_MAPPING: '1',
      CRYPTULLY_LAN_BROADCAST: '127.255.255.255',
    },
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Interop tests start real processes and bind real ports: run files one after another
    // so that timing-sensitive checks do not compete for the machine's two cores.
    fileParallelism: false,
  },
});
