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
    .addCommand(newRunCommand(ctx))
    .addCommand(newClusterCommand(ctx))
    .addCommand(newVersionCommand(ctx));
}

/** Options of the root command itself; anything else before a command means the default run. */
const rootOptions = new Set(['-h', '--help', '--version']);

/** `tide` alone (or with only run flags) is the default run. */
export function withDefaultCommand(argv: readonly string[]): readonly string[] {
  const first = argv[0];
  if (first === undefined || (first.startsWith('-') && !rootOptions.has(first))) return ['run', ...argv];
  return argv;
}

/** Settings that commander does not pass to commands added with addCommand. */
function configureTree(cmd: Command): void {
  cmd.exitOverride().showSuggestionAfterError(true);
  for (const sub of cmd.commands) configureTree(sub);
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
  const program = newRootCommand(ctx);
  configureTree(program);
  try {
    await program.parseAsync(withDefaultCommand(argv), { from: 'user' });
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
