// `hyperdht` ships no types; dht-transport.ts describes the parts it uses itself.
declare module 'hyperdht' {
  const HyperDHT: unknown;
  export default HyperDHT;
}

// `blind-relay` ships no types either; dht-relay.ts describes the parts it uses.
declare module 'blind-relay' {
  const BlindRelay: unknown;
  export default BlindRelay;
}
