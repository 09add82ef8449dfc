// The RFC known-answer tests on the node:crypto provider (the fallback where sodium-native
// cannot load). The provider is chosen when the crypto module loads, so the variable is set
// before anything imports it (vitest gives each test file its own module graph).
process.env.CRYPTULLY_CRYPTO = 'node';
const { describeKnownAnswers } = await import('./known-answer-suite.js');

describeKnownAnswers('node');
