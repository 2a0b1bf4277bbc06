// `tide uninstall`: remove the controllers, the finalizers of every Tide (Flux) custom
// object, the CRDs and the namespace; --dry-run asks the API server what would go.
import { Command, Option } from 'commander';
import { uninstall, type UninstallStep } from '../../../install/uninstall.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { style } from '../../ui/style.js';
import { Deadline } from '../install/deadline.js';

interface UninstallFlags extends KubeFlags {
  readonly keepNamespace: boolean;
  readonly keepCrds: boolean;
  readonly dryRun: boolean;
  readonly silent: boolean;
}

export function newUninstallCommand(ctx: CliContext): Command {
  const cmd = new Command('uninstall')
    .description('Remove Tide, its custom resource definitions and its namespace from a cluster')
    .addOption(new Option('--keep-namespace', 'do not delete the namespace').default(false))
    .addOption(
      new Option(
        '--keep-crds',
        'keep the CRDs and the custom objects (CRDs are cluster-wide: another installation may use them); ' +
          'finalizers are then only removed in the namespace',
      ).default(false),
    )
    .addOption(new Option('--dry-run', 'only print what would be deleted').default(false))
    .addOption(new Option('-s, --silent', 'do not ask for confirmation').default(false))
    .addHelpText(
      'after',
      `
Examples:
  # See what would be removed
  tide uninstall --dry-run

  # Remove Tide from the infra namespace without a prompt, keeping the namespace
  tide uninstall -n infra --keep-namespace --silent`,
    );
  addKubeFlags(cmd).action(async (flags: UninstallFlags) => {
    await runUninstall(ctx, flags);
  });
  return cmd;
}

async function confirmed(ctx: CliContext, flags: UninstallFlags): Promise<void> {
  if (flags.dryRun || flags.silent) return;
  const what = flags.keepCrds
    ? 'Tide'
    : 'Tide and its custom resource definitions (with every custom object)';
  const answer = await ctx.confirm(
    `Are you sure you want to delete ${what} from the ${flags.namespace} namespace?`,
  );
  if (answer === undefined) {
    throw new CliError(
      'uninstall asks for confirmation and stdin is not a terminal: pass --silent (-s) to skip the question, or --dry-run to see what would be deleted',
      ExitCode.usage,
    );
  }
  if (!answer) throw new CliError('aborted: nothing was deleted', ExitCode.failure);
}

async function runUninstall(ctx: CliContext, flags: UninstallFlags): Promise<void> {
  await confirmed(ctx, flags);
  const kube = await kubeFrom(ctx, flags);
  const deadline = new Deadline(ctx, kube.timeoutMs, 'uninstall');
  const s = style(ctx);
  const suffix = flags.dryRun ? ' (dry run)' : '';
  const print = (step: UninstallStep): void => {
    if (step.error === undefined) ctx.output.out(`${step.ref} ${step.action}${suffix}`);
    else
      ctx.output.err(
        `${s.red('✗')} ${step.ref}: ${step.action === 'deleted' ? 'deletion' : 'removing finalizers'} failed: ${step.error}`,
      );
  };
  const steps = await deadline.run((signal) =>
    uninstall(
      {
        namespace: flags.namespace,
        keepNamespace: flags.keepNamespace,
        keepCrds: flags.keepCrds,
        dryRun: flags.dryRun,
      },
      {
        client: kube.client,
        signal,
        onStep: print,
        onPhase: (message) => {
          ctx.output.err(`► ${message}`);
        },
      },
    ),
  );
  const failed = steps.filter((step) => step.error !== undefined);
  if (failed.length > 0) {
    throw new CliError(
      `uninstall finished with ${String(failed.length)} of ${String(steps.length)} steps failed: fix the cause above and run it again`,
    );
  }
  if (steps.length === 0) {
    ctx.output.err(`◎ nothing to delete: no Tide installation found in the ${flags.namespace} namespace`);
    return;
  }
  ctx.output.err(`${s.green('✔')} uninstall finished${suffix}`);
}
