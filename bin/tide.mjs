#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    'tide is not built yet: run `npm install` (or `npm run build`) in the tide checkout.\n',
  );
  process.exit(1);
}
await import(entry.href);
