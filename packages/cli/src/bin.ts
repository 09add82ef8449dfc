#!/usr/bin/env node
import { main } from './main.js';

const status = await main(process.argv.slice(2));
process.exitCode = status;
// Everything is closed by now; should a stray handle keep the process alive, do not hang.
setTimeout(() => process.exit(status), 2000).unref();
