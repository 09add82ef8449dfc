// Bundles the renderer with esbuild once it exists (see the package README).
import { existsSync } from 'node:fs';

if (!existsSync(new URL('../src/renderer/main.tsx', import.meta.url))) process.exit(0);
