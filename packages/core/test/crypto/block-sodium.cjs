// Preloaded with `node --require` by providers.test.ts: makes sodium-native fail to load, as
// it does in a single executable without the addon, to prove the node:crypto fallback.
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'sodium-native' || request.startsWith('sodium-native/')) {
    throw new Error('No native build was found for this platform (blocked by the test)');
  }
  return load.call(this, request, ...rest);
};
