import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../../context.js';

export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function newVersionCommand(ctx: CliContext): Command {
  return new Command('version').description('Print the tide version').action(() => {
    ctx.output.out(`tide ${cliVersion()}`);
  });
}
