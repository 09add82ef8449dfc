/**
 * Smoke test of `pnpm bench`: the runner starts, runs one group in its child process, and
 * prints a JSON report of the documented shape with real (positive, finite) figures and the
 * machine it ran on. Protects the command people and CI use to get figures; it asserts no
 * timing (benchmarks print figures, they do not pass or fail).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../src/bench/options.js';
import type { BenchReport } from '../src/bench/report.js';
import { quantile } from '../src/bench/stats.js';
import { ensureHarnessBuilt } from './support/build.js';

const runScript = join(import.meta.dirname, '..', 'dist', 'bench', 'run.js');

describe('pnpm bench', () => {
  it('prints a JSON report with the machine and positive handshake figures', () => {
    ensureHarnessBuilt();
    const stdout = execFileSync(
      process.execPath,
      [runScript, '--quick', '--only', 'handshake', '--json'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 90_000 },
    );
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.schema).toBe('cryptully-bench/1');
    expect(report.options).toEqual({ quick: true, only: ['handshake'], crypto: 'both' });
    expect(report.machine.crypto).toMatch(/^libsodium \(sodium-native /);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.machine.ramBytes).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.machine.openssl).toMatch(/^\d+\./);
    expect(report.machine.cpuModel.length).toBeGreaterThan(0);
    expect(report.machine.kernel.length).toBeGreaterThan(0);
    if (process.platform === 'linux') {
      // The features that decide crypto speed, read from /proc/cpuinfo: a subset, in order.
      const all = ['avx2', 'avx512f', 'sha_ni', 'aes', 'vaes'];
      expect(report.machine.cpuFeatures).toEqual(
        all.filter((f) => report.machine.cpuFeatures!.includes(f)),
      );
    }

    const ids = report.figures.map((figure) => figure.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'handshake.noise-xx-memory',
        'handshake.cryptully-tcp',
        'handshake.tls13-tcp',
        // The same loops again with node:crypto, beside their own same-run references.
        'handshake.cryptully-tcp@node',
        'handshake.tls13-tcp@node',
      ]),
    );
    for (const figure of report.figures) {
      expect(figure.group).toBe('handshake');
      expect(figure.unit).toBe('handshakes/s');
      expect(Number.isFinite(figure.value) && figure.value > 0).toBe(true);
      if (figure.reference) expect(ids).toContain(figure.reference);
    }
    const check = report.targets.find((target) => target.id === 'handshake-vs-tls');
    expect(check?.target).toBe(3);
    expect(check?.measured).toBeGreaterThan(0);
    expect(typeof check?.met).toBe('boolean');
  });

  it('rejects an unknown group with a message that lists the groups', () => {
    expect(() => parseOptions(['--only', 'handshakes'])).toThrow(
      /unknown group "handshakes"; groups: handshake, throughput, latency, scale, startup/,
    );
    expect(parseOptions(['--', '--quick', '--only=latency,handshake'])).toMatchObject({
      quick: true,
      only: ['handshake', 'latency'],
    });
  });

  it('takes percentiles by nearest rank', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(samples, 0.5)).toBe(50);
    expect(quantile(samples, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });
});
