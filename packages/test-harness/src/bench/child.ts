/**
 * Runs one benchmark group in its own process (started by `run.ts`) and sends its
 * {@link GroupResult} back over IPC, so that groups do not disturb each other's memory, JIT
 * state or open sockets.
 * @module
 */
import type { GroupOptions } from './group-options.js';
import { runDhtGroup } from './groups/dht.js';
import { runFilesGroup } from './groups/files.js';
import { runHandshakeGroup } from './groups/handshake.js';
import { runLatencyGroup } from './groups/latency.js';
import { runScaleGroup } from './groups/scale.js';
import { runStartupGroup } from './groups/startup.js';
import { runThroughputGroup } from './groups/throughput.js';
import type { GroupName, GroupResult } from './report.js';

const RUNNERS: Record<GroupName, (options: GroupOptions) => Promise<GroupResult>> = {
  handshake: runHandshakeGroup,
  throughput: runThroughputGroup,
  latency: runLatencyGroup,
  scale: runScaleGroup,
  startup: runStartupGroup,
  dht: runDhtGroup,
  files: runFilesGroup,
};

const [group, encoded] = process.argv.slice(2) as [GroupName, string];
const settings = JSON.parse(encoded) as Omit<GroupOptions, 'progress'>;
const result = await RUNNERS[group]({
  ...settings,
  progress: (line) => process.stderr.write(`  ${line}\n`),
});
process.send!(result, undefined, {}, () => process.exit(0));
