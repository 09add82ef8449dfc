// `hyperdht` ships no types; dht-transport.ts describes the parts it uses itself.
declare module 'hyperdht' {
  const HyperDHT: unknown;
  export default HyperDHT;
}
