// The tide command tree, and running it with errors mapped to messages and
// documented exit codes.
import { Command, CommanderError } from 'commander';
import { newClusterCommand } from './commands/cluster/index.js';
import { newRunCommand } from './commands/run/index.js';
import { cliVersion, newVersionCommand } from './commands/version/index.js';
import { CliError, contextFromProcess, ExitCode, type CliContext } from './context.js';

export function newRootCommand(ctx: CliContext): Command {
  return new Command('tide')
    .description(
      'Tide keeps Kubernetes clusters in sync with Git, OCI, Helm and S3 sources (Flux API compatible).',
    )
    .version(cliVersion(), '--version', 'print the tide version')
    .showSuggestionAfterError(true)
    .addCommand(newRunCommand(ctx), { isDefault: true })
    .addCommand(newClusterCommand(ctx))
    .addCommand(newVersionCommand(ctx));
}

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const ctx = contextFromProcess(controller.signal);
  const program = newRootCommand(ctx).exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof CliError) {
      ctx.output.err(`✗ ${err.message}`);
      return err.exitCode;
    }
    ctx.output.err(`✗ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.failure;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
