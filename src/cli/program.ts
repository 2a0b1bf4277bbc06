// The tide command tree, and running it with errors mapped to messages and
// documented exit codes.
import { Command, CommanderError } from 'commander';
import { newClusterCommand } from './commands/cluster/index.js';
import { newControllerCommand } from './commands/controller/index.js';
import { newInstallCommand } from './commands/install/index.js';
import { newUninstallCommand } from './commands/uninstall/index.js';
import { newCheckCommand } from './commands/check/index.js';
import { newCreateCommand } from './commands/create/index.js';
import { newGetCommand } from './commands/get/index.js';
import { newExportCommand } from './commands/export/index.js';
import { newSuspendCommand } from './commands/suspend/index.js';
import { newResumeCommand } from './commands/resume/index.js';
import { newDeleteCommand } from './commands/delete/index.js';
import { newReconcileCommand } from './commands/reconcile/index.js';
import { newTreeCommand } from './commands/tree/index.js';
import { newTraceCommand } from './commands/trace/index.js';
import { newDiffCommand } from './commands/diff/index.js';
import { newBuildCommand } from './commands/build/index.js';
import { newEventsCommand } from './commands/events/index.js';
import { newLogsCommand } from './commands/logs/index.js';
import { newStatsCommand } from './commands/stats/index.js';
import { newEnvsubstCommand } from './commands/envsubst/index.js';
import { newCompleteCommand } from './commands/completion/complete.js';
import { newCompletionCommand } from './commands/completion/index.js';
import { newBootstrapCommand } from './commands/bootstrap/index.js';
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
    .addCommand(newBootstrapCommand(ctx))
    .addCommand(newInstallCommand(ctx))
    .addCommand(newUninstallCommand(ctx))
    .addCommand(newCheckCommand(ctx))
    .addCommand(newCreateCommand(ctx))
    .addCommand(newGetCommand(ctx))
    .addCommand(newExportCommand(ctx))
    .addCommand(newSuspendCommand(ctx))
    .addCommand(newResumeCommand(ctx))
    .addCommand(newDeleteCommand(ctx))
    .addCommand(newReconcileCommand(ctx))
    .addCommand(newTreeCommand(ctx))
    .addCommand(newTraceCommand(ctx))
    .addCommand(newDiffCommand(ctx))
    .addCommand(newBuildCommand(ctx))
    .addCommand(newEventsCommand(ctx))
    .addCommand(newLogsCommand(ctx))
    .addCommand(newStatsCommand(ctx))
    .addCommand(newEnvsubstCommand(ctx))
    .addCommand(newControllerCommand(ctx))
    .addCommand(newCompletionCommand(ctx))
    .addCommand(newCompleteCommand(ctx), { hidden: true })
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
function configureTree(cmd: Command, ctx: CliContext): void {
  cmd
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (text) => {
        ctx.output.outWrite(text);
      },
      writeErr: (text) => {
        ctx.output.errWrite(text);
      },
    });
  for (const sub of cmd.commands) configureTree(sub, ctx);
}

/** Runs one command line with a given context; the exit code is returned, never thrown. */
export async function runProgram(argv: readonly string[], ctx: CliContext): Promise<number> {
  const program = newRootCommand(ctx);
  configureTree(program, ctx);
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
  }
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
  try {
    return await runProgram(argv, contextFromProcess(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
