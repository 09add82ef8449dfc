// The RFC known-answer tests on the provider the process chose (libsodium where sodium-native
// loads, as here and in CI).
import { describeKnownAnswers } from './known-answer-suite.js';

describeKnownAnswers(process.env.CRYPTULLY_CRYPTO === 'node' ? 'node' : 'sodium');
