/**
 * Resident memory of a process, for "memory stays bounded" checks against a host under attack.
 * @module
 */
import { readFileSync } from 'node:fs';

/**
 * The resident set size of process `pid` in bytes, from `/proc/<pid>/status` (Linux), or
 * undefined where that file does not exist.
 */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib === undefined ? undefined : Number(kib) * 1024;
  } catch {
    return undefined;
  }
}
