// TCP passes the transport compliance suite over IPv4 and IPv6 loopback, plus what only TCP
// has: TCP_NODELAY on both ends (chat latency), dual-stack listeners, dial timeouts, and the
// system errors turned into typed ones.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listenError, tcpTransport } from '../../src/adapters/tcp-transport.js';
import { transportCompliance } from './compliance.js';

/** Whether this machine can listen on IPv6 loopback. */
async function hasIpv6Loopback(): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '::1', port: 0 }, resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

const ipv6 = await hasIpv6Loopback();
if (!ipv6) console.warn('tcp.test.ts: no IPv6 loopback (::1) here; the IPv6 suite is skipped');

transportCompliance('tcp over 127.0.0.1', {
  setup: () => ({ transport: tcpTransport(), host: '127.0.0.1' }),
});

describe.skipIf(!ipv6)('IPv6', () => {
  transportCompliance('tcp over ::1', {
    setup: () => ({ transport: tcpTransport(), host: '::1' }),
  });
});

/** Node keeps the no-delay state of a socket under an internal symbol; read it. */
function noDelayOf(socket: Duplex): boolean | undefined {
  const symbol = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'kSetNoDelay');
  return symbol === undefined ? undefined : (socket as unknown as Record<symbol, boolean>)[symbol];
}

describe('tcp transport specifics', () => {
  it('keeps listening after a failed accept instead of throwing it (which would end the process)', async () => {
    let server: Server | undefined;
    const spy = vi.spyOn(Server.prototype, 'listen').mockImplementation(function (
      this: Server,
      ...args: unknown[]
    ) {
      server = this;
      spy.mockRestore();
      return Server.prototype.listen.apply(this, args as never);
    });
    const listener = await tcpTransport().listen({ host: '127.0.0.1', port: 0 }, (s) =>
      s.destroy(),
    );
    try {
      const failedAccept = Object.assign(new Error('accept ENFILE'), { code: 'ENFILE' });
      expect(() => server!.emit('error', failedAccept)).not.toThrow();
      const stream = await tcpTransport().dial(listener.address);
      stream.destroy();
    } finally {
      await listener.close();
    }
  });

  it('turns on TCP_NODELAY on both ends', async () => {
    const transport = tcpTransport();
    let accepted: Duplex | undefined;
    const listener = await transport.listen({ host: '127.0.0.1', port: 0 }, (s) => (accepted = s));
    const client = await transport.dial(listener.address);
    while (!accepted) await new Promise((resolve) => setImmediate(resolve));
    expect(noDelayOf(client)).toBe(true);
    expect(noDelayOf(accepted)).toBe(true);
    client.destroy();
    accepted.destroy();
    await listener.close();
  });

  it.skipIf(!ipv6)('gives IPv4 peers of a dual-stack listener as plain IPv4', async () => {
    const transport = tcpTransport();
    const remotes: string[] = [];
    const listener = await transport.listen({ host: '::', port: 0 }, (s, remote) => {
      remotes.push(remote.host);
      s.end();
      s.resume();
    });
    for (const host of ['127.0.0.1', '[::1]']) {
      const stream = await transport.dial({ host, port: listener.address.port });
      stream.resume();
      await once(stream, 'end');
      stream.end();
    }
    expect(remotes).toEqual(['127.0.0.1', '::1']);
    await listener.close();
  });

  it('refuses to listen on an address this machine does not have (ERR_BAD_ADDRESS)', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    await expect(
      tcpTransport().listen({ host: '192.0.2.1', port: 0 }, () => {}),
    ).rejects.toMatchObject({ name: 'BadAddressError', code: 'ERR_BAD_ADDRESS' });
  });

  it('maps permission errors to ERR_PERMISSION with advice for low ports', () => {
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
    const error = listenError(denied, '0.0.0.0', 80);
    expect(error).toMatchObject({ name: 'PermissionDeniedError', code: 'ERR_PERMISSION' });
    expect(error?.message).toContain('below 1024');
    expect(listenError(Object.assign(new Error('?'), { code: 'EWHATEVER' }), 'h', 1)).toBe(
      undefined,
    );
  });

  // A real EACCES needs an unprivileged process: as root, run the built transport as `nobody`.
  // `nobody` may not be able to read the clone (a checkout under a mode-0700 folder), so the
  // built core is copied to a world-readable temporary folder first.
  const unprivilegedPortStart = (() => {
    try {
      return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
    } catch {
      return 0;
    }
  })();
  const builtCore = join(import.meta.dirname, '../../dist');
  const nobodyProblem =
    process.getuid?.() !== 0
      ? 'needs root (to run a child as uid nobody)'
      : unprivilegedPortStart <= 80
        ? `port 80 is not privileged here (ip_unprivileged_port_start=${unprivilegedPortStart})`
        : !existsSync(join(builtCore, 'adapters', 'tcp-transport.js'))
          ? 'needs a built core (pnpm build)'
          : undefined;
  /** A world-readable copy of the built core, and whether uid nobody can read it. */
  const copy = (() => {
    if (nobodyProblem !== undefined) return undefined;
    const dir = mkdtempSync(join(tmpdir(), 'cryptully-nobody-'));
    cpSync(builtCore, join(dir, 'dist'), { recursive: true });
    // The built files are ES modules, as the package's own package.json says.
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
    const open = (path: string) => {
      chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
      if (statSync(path).isDirectory())
        for (const name of readdirSync(path)) open(join(path, name));
    };
    open(dir);
    const transport = join(dir, 'dist', 'adapters', 'tcp-transport.js');
    const probe = spawnSync(
      process.execPath,
      ['-e', `require('node:fs').accessSync(process.argv[1])`, transport],
      {
        uid: 65534,
        gid: 65534,
        cwd: '/',
      },
    );
    return { dir, transport, readable: probe.status === 0 };
  })();
  afterAll(() => {
    if (copy) rmSync(copy.dir, { recursive: true, force: true });
  });
  const skipReason =
    nobodyProblem ??
    (copy?.readable
      ? undefined
      : `uid nobody cannot read the temporary folder ${copy?.dir} (is ${tmpdir()} private?)`);
  if (skipReason !== undefined) {
    console.warn(`tcp.test.ts: SKIPPED the real ERR_PERMISSION check: ${skipReason}`);
  }
  it.skipIf(skipReason !== undefined)(
    'reports a privileged port as ERR_PERMISSION for real',
    () => {
      const script = `
      import { tcpTransport } from ${JSON.stringify(pathToFileURL(copy!.transport).href)};
      try {
        const listener = await tcpTransport().listen({ host: '127.0.0.1', port: 80 }, () => {});
        await listener.close();
        console.log(JSON.stringify({ listened: true }));
      } catch (error) {
        console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
      }`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        uid: 65534,
        gid: 65534,
        encoding: 'utf8',
        cwd: '/',
      });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({
        name: 'PermissionDeniedError',
        code: 'ERR_PERMISSION',
        message: expect.stringContaining('below 1024'),
      });
    },
  );

  describe('a host that stopped answering', () => {
    // A listener in a stopped process with a backlog of 1: once its queue is full the kernel
    // drops new SYNs, so a dial hangs until its timeout, on loopback only.
    let child: ChildProcess;
    let port = 0;
    const fillers: Socket[] = [];

    beforeAll(async () => {
      child = spawn(
        process.execPath,
        [
          '-e',
          `require('node:net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 },
             function () { process.stdout.write(String(this.address().port) + '\\n'); });`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      port = Number(line.toString().trim());
      child.kill('SIGSTOP');
    });

    afterAll(() => {
      for (const socket of fillers) socket.destroy();
      child.kill('SIGKILL');
    });

    it('gives up after timeoutMs with ERR_UNREACHABLE', async () => {
      const transport = tcpTransport();
      let failure: unknown;
      for (let i = 0; i < 16 && failure === undefined; i++) {
        try {
          const stream = await transport.dial({ host: '127.0.0.1', port }, { timeoutMs: 300 });
          fillers.push(stream as Socket);
        } catch (error) {
          failure = error;
        }
      }
      expect(failure).toMatchObject({
        name: 'UnreachableError',
        code: 'ERR_UNREACHABLE',
        reason: 'timeout',
      });
      expect((failure as Error).message).toMatch(/^No answer from 127\.0\.0\.1:\d+ in time/);
    });

    it('abandons a hanging dial at once when its signal aborts (reason cancelled)', async () => {
      const transport = tcpTransport();
      // Fill the backlog (if the test above did not): the next dial hangs.
      for (let i = 0, full = false; i < 16 && !full; i++) {
        try {
          fillers.push(
            (await transport.dial({ host: '127.0.0.1', port }, { timeoutMs: 300 })) as Socket,
          );
        } catch {
          full = true;
        }
      }
      const controller = new AbortController();
      // A timeout far beyond the test's own: only the abort can end this dial in time.
      const dialing = transport.dial(
        { host: '127.0.0.1', port },
        { timeoutMs: 60_000, signal: controller.signal },
      );
      setTimeout(() => controller.abort(), 50);
      await expect(dialing).rejects.toMatchObject({ code: 'ERR_UNREACHABLE', reason: 'cancelled' });
      await expect(
        transport.dial({ host: '127.0.0.1', port }, { signal: controller.signal }),
      ).rejects.toMatchObject({ reason: 'cancelled' });
    });
  });
});
