/**
 * The NAT lab for tests: two home networks behind real nftables NAT routers on a pretend
 * internet with its own DHT (lab/lab.sh, lab/dht-nodes.mjs), and real `cryptully` processes
 * started inside the namespaces. Root only: elsewhere {@link natLabProblem} says why not (in CI,
 * which runs as root with nftables installed, a missing piece is a failure instead).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoPath } from '../../src/drivers/paths.js';
import { type JsonProcess, SOURCE_BIN, startJsonCommand } from './binaries.js';

const LAB_SCRIPT = repoPath('packages/test-harness/lab/lab.sh');
const DHT_NODES = repoPath('packages/test-harness/lab/dht-nodes.mjs');
const MINIUPNPD = repoPath('packages/test-harness/lab/miniupnpd.sh');

/** How a home router maps its network's ports: port-preserving, or a new port per destination. */
export type NatKind = 'cone' | 'random';

/** Why the lab cannot run here, or null. */
export function natLabProblem(): string | null {
  let problem: string | null = null;
  if (process.platform !== 'linux') problem = 'network namespaces need Linux';
  else if (process.getuid?.() !== 0) problem = 'network namespaces need root';
  else if (spawnSync('nft', ['--version'], { stdio: 'ignore' }).status !== 0) {
    problem = 'nft is missing (apt-get install nftables)';
  } else if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) {
    problem = 'ip is missing (apt-get install iproute2)';
  }
  if (problem && process.env.CI && process.getuid?.() === 0) {
    throw new Error(`the NAT lab cannot run: ${problem} (.ci/run installs it)`);
  }
  return problem;
}

/** Runs lab.sh; throws with its stderr when it fails. */
function labScript(args: string[]): void {
  const run = spawnSync('bash', [LAB_SCRIPT, ...args], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(`lab.sh ${args.join(' ')} failed: ${run.stderr}`);
}

let labs = 0;

/** A built lab: routers A and B, hosts `a` and `b` behind them, a DHT on the wan. */
export class NatLab {
  /** `host:port,…` of the lab's DHT bootstrap nodes. */
  readonly bootstrap: string;
  readonly #name: string;
  readonly #dht: ChildProcess;
  readonly #processes: JsonProcess[] = [];
  #upnp: ChildProcess | undefined;
  readonly #homes: string[] = [];

  private constructor(name: string, dht: ChildProcess, bootstrap: string) {
    this.#name = name;
    this.#dht = dht;
    this.bootstrap = bootstrap;
  }

  /**
   * Builds the topology and starts the DHT (a few seconds).
   * @param loss percentage router A drops at random, both ways.
   */
  static async up(natA: NatKind, natB: NatKind, loss = 0): Promise<NatLab> {
    labs += 1;
    const name = `cl${process.pid % 100_000}x${labs}`;
    labScript(['up', name, natA, natB, String(loss)]);
    const dht = spawn('ip', ['netns', 'exec', `${name}-wan`, process.execPath, DHT_NODES], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    dht.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    try {
      const bootstrap = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the lab's DHT did not start: ${stderr}`)),
          30_000,
        );
        dht.on('exit', (code) => reject(new Error(`the lab's DHT exited (${code}): ${stderr}`)));
        createInterface({ input: dht.stdout! }).once('line', (line) => {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { bootstrap: string[] }).bootstrap.join(','));
        });
      });
      return new NatLab(name, dht, bootstrap);
    } catch (error) {
      dht.kill();
      labScript(['down', name]);
      throw error;
    }
  }

  /**
   * Starts miniupnpd on router A (lab/miniupnpd.sh): a real UPnP IGD and NAT-PMP gateway for
   * host `a`; resolves once it answers.
   */
  async startUpnp(protocols: 'both' | 'natpmp' = 'both'): Promise<void> {
    const child = spawn('bash', [MINIUPNPD, this.#name, protocols], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#upnp = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`miniupnpd did not start: ${log}`)), 15_000);
      child.on('exit', (code) => reject(new Error(`miniupnpd exited (${code}): ${log}`)));
      createInterface({ input: child.stderr! }).on('line', (line) => {
        log += `${line}\n`;
        if (line.includes('Listening for NAT-PMP')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  /** What `upnpc -l` run on host `a` lists (the router's port mappings). */
  upnpList(): string {
    return spawnSync('ip', ['netns', 'exec', this.namespace('a'), 'upnpc', '-l'], {
      encoding: 'utf8',
      timeout: 20_000,
    }).stdout;
  }

  /** The DNAT rules miniupnpd keeps on router A (one per forwarded port). */
  forwardedPorts(): string {
    return spawnSync(
      'ip',
      [
        'netns',
        'exec',
        `${this.#name}-ra`,
        'nft',
        'list',
        'chain',
        'inet',
        'filter',
        'prerouting_miniupnpd',
      ],
      { encoding: 'utf8', timeout: 10_000 },
    ).stdout;
  }

  /**
   * Turns on (or off) a stateful firewall on the wan's own machine, as a cloud firewall in front
   * of a server would be: UDP that nobody there asked for is dropped, except to the DHT nodes'
   * ports (49737 to 49740).
   */
  wanFirewall(on: boolean): void {
    const nft = (script: string) => {
      const run = spawnSync('ip', ['netns', 'exec', this.namespace('wan'), 'nft', '-f', '-'], {
        input: script,
        encoding: 'utf8',
        timeout: 10_000,
      });
      if (run.status !== 0) throw new Error(`nft failed: ${run.stderr}`);
    };
    if (!on) {
      nft('delete table inet lab_wan_firewall\n');
      return;
    }
    nft(`table inet lab_wan_firewall {
  chain input {
    type filter hook input priority 0; policy accept;
    udp dport 49737-49740 accept
    ct state established,related accept
    meta l4proto udp drop
  }
}
`);
  }

  /** The namespace of host `a` or `b`, or of the wan. */
  namespace(where: 'a' | 'b' | 'wan'): string {
    return `${this.#name}-${where}`;
  }

  /** The wan address of a router: what the other side sees of a home network. */
  publicAddress(side: 'a' | 'b'): string {
    return side === 'a' ? '11.0.1.1' : '11.0.2.1';
  }

  /**
   * Starts `cryptully <args>` on host `a` or `b` (or on the wan, as a server on the internet
   * would be) with the lab's DHT (a new home unless given one to reuse).
   */
  async cryptully(
    where: 'a' | 'b' | 'wan',
    args: string[],
    home?: string,
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ process: JsonProcess; home: string }> {
    const folder = home ?? (await mkdtemp(join(tmpdir(), 'cryptully-lab-')));
    if (!home) this.#homes.push(folder);
    const process_ = startJsonCommand(
      ['ip', 'netns', 'exec', this.namespace(where), process.execPath, SOURCE_BIN, ...args],
      {
        PATH: process.env.PATH,
        CRYPTULLY_HOME: folder,
        CRYPTULLY_PASSPHRASE: '',
        CRYPTULLY_BOOTSTRAP: this.bootstrap,
        // Port mapping only where a test asks for it (the lab's routers have no IGD otherwise).
        CRYPTULLY_NO_PORT_MAPPING: '1',
        NO_COLOR: '1',
        ...env,
      },
    );
    this.#processes.push(process_);
    return { process: process_, home: folder };
  }

  /** Ends every process and removes the namespaces and homes. */
  async down(): Promise<void> {
    for (const p of this.#processes) p.child.kill();
    this.#dht.kill();
    this.#upnp?.kill();
    await Promise.all(this.#processes.map((p) => p.exit()));
    labScript(['down', this.#name]);
    await Promise.all(this.#homes.map((home) => rm(home, { recursive: true, force: true })));
  }
}

/** Waits until a `--json` host logs that it is announced on the DHT. */
export async function onTheDht(host: JsonProcess, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!host.stderr().includes('listening on the DHT as')) {
    if (Date.now() > deadline) throw new Error(`not on the DHT after ${ms} ms: ${host.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
