// The same cacophony vectors on the node:crypto provider (the fallback where sodium-native
// cannot load). The provider is chosen when the crypto module loads, so the variable is set
// before anything imports it (vitest gives each test file its own module graph).
process.env.CRYPTULLY_CRYPTO = 'node';
const { describeCacophony } = await import('./cacophony-suite.js');

describeCacophony('node');
