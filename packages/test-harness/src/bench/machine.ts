import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { MachineInfo } from './report.js';

/** The soft file descriptor limit of this process (Linux), if it can be read. */
export function fdLimit(): number | undefined {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+)/m.exec(limits);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU features that decide crypto speed, in this order, as /proc/cpuinfo lists them. */
const CRYPTO_FEATURES = ['avx2', 'avx512f', 'sha_ni', 'aes', 'vaes'];

/** The {@link CRYPTO_FEATURES} this CPU has (Linux), or undefined where it cannot be read. */
export function cpuFeatures(): string[] | undefined {
  try {
    const flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (flags === undefined) return undefined;
    const present = new Set(flags.trim().split(/\s+/));
    return CRYPTO_FEATURES.filter((feature) => present.has(feature));
  } catch {
    return undefined;
  }
}

/** Describes the machine a benchmark runs on. */
export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  const features = cpuFeatures();
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    ramBytes: totalmem(),
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    kernel: release(),
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    ...(features ? { cpuFeatures: features } : {}),
  };
}
