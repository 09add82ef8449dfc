/**
 * Resident memory of a process, for "memory stays bounded" checks against a host under attack.
 * @module
 */
import { readFileSync } from 'node:fs';

/**
 * The resident set size of process `pid` in bytes, from `/proc/<pid>/status` (Linux).
 * @throws {Error} where that file cannot be read or has no `VmRSS` line: a memory check that
 * cannot measure must fail, not pass by measuring nothing.
 */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(kib) * 1024;
}
