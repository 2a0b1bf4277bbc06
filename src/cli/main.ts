#!/usr/bin/env node
// The tide CLI entry point.
import { main } from './program.js';

// A reader that went away (`tide get all | head`) is not an error: stop quietly, as
// other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

process.exitCode = await main(process.argv.slice(2));
