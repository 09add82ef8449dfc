// The lab's DHT: a bootstrap node on 11.0.0.2:49737 and more DHT nodes on 11.0.0.2, .3 and .4,
// ports 49737 to 49740 (twelve nodes: a peer behind a NAT samples its public address from four of
// them, skipping the five it heard of last, and needs three answers naming one port to call its
// router consistent). Run inside LAB-wan; prints one JSON line {"bootstrap":["11.0.0.2:49737",…]}
// (one node per address) once every node has joined, and runs until killed.
import { createRequire } from 'node:module';

// hyperdht is core's dependency: resolve it from there.
const fromCore = createRequire(
  createRequire(import.meta.url).resolve('@cryptully/core/package.json'),
);
const DHT = fromCore('hyperdht');

const PORT = 49737;
const hosts = (process.argv[2] ?? '11.0.0.2,11.0.0.3,11.0.0.4').split(',');
const bootstrap = [{ host: hosts[0], port: PORT }];
const nodes = [];

const first = new DHT({
  ephemeral: false,
  firewalled: false,
  bootstrap: [],
  host: hosts[0],
  port: PORT,
});
nodes.push(first);
await first.fullyBootstrapped();
for (let port = PORT; port < PORT + 4; port++) {
  for (const host of hosts) {
    if (host === hosts[0] && port === PORT) continue;
    const node = new DHT({ ephemeral: false, firewalled: false, bootstrap, host, port });
    nodes.push(node);
    await node.fullyBootstrapped();
  }
}
process.stdout.write(`${JSON.stringify({ bootstrap: hosts.map((host) => `${host}:${PORT}`) })}\n`);

const stop = async () => {
  for (const node of nodes.reverse()) await node.destroy({ force: true });
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
