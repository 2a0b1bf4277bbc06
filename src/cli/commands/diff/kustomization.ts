import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError, type CliContext } from '../../context.js';
import { addKubeFlags } from '../../kube/flags.js';
import { diffKustomization } from '../../local/diff.js';
import { addLocalBuildFlags, maybeProgress, runLocalBuild, type LocalBuildFlags } from '../../local/flags.js';
import { formatOutcome } from '../../local/object-diff.js';
import { style } from '../../ui/style.js';

interface DiffFlags extends LocalBuildFlags {
  readonly progressBar: boolean;
  readonly ignoreNotFound: boolean;
}

/** Exit statuses of `diff`, as flux's (2 is also the usage-error status of every command). */
export const DiffExit = { noChanges: 0, changes: 1, error: 2 } as const;

export const CHANGES_FOUND = 'identified at least one change, exiting with non-zero exit code';

export function newDiffKustomizationCommand(ctx: CliContext): Command {
  const cmd = new Command('kustomization')
    .alias('ks')
    .description(
      'Build the local folder as the controller would for the Kustomization <name>, dry-run a ' +
        'server-side apply of every object as the controller, and print what would be created, ' +
        'changed (with a diff; Secret values masked) or pruned. ' +
        'Exit status: 0 no changes, 1 changes, 2 errors',
    )
    .argument('<name>', 'name of the Flux Kustomization')
    .addOption(
      new Option('--progress-bar [bool]', 'show progress while building and diffing (terminals only)')
        .argParser(parseBool('--progress-bar'))
        .default(true),
    )
    .addOption(new Option('--no-progress-bar', 'no progress output').hideHelp())
    .option(
      '--ignore-not-found',
      'with --kustomization-file: go on when the cluster has no such Kustomization (everything is new)',
      false,
    )
    .addHelpText(
      'after',
      `
Examples:
  tide diff kustomization my-app --path ./path/to/local/manifests
  tide diff kustomization my-app --path ./manifests --kustomization-file ./my-app.yaml
  tide diff kustomization my-app --path ./clusters/prod --recursive \\
    --local-sources GitRepository/flux-system/my-repo=./`,
    );
  addLocalBuildFlags(cmd);
  addKubeFlags(cmd);
  return cmd.action(async (name: string, flags: DiffFlags) => {
    const seen = { changes: false };
    try {
      const errors = await runLocalBuild(
        ctx,
        { flags, name, dryRun: false, ignoreNotFound: flags.ignoreNotFound, progress: flags.progressBar },
        async (built, kube, signal) => {
          if (kube === undefined) throw new Error('diff: no cluster connection');
          const s = style(ctx);
          const failures: string[] = [];
          for (const unit of built) {
            const id = `${unit.kustomization.metadata.namespace ?? ''}/${unit.kustomization.metadata.name}`;
            const result = await maybeProgress(
              ctx,
              flags.progressBar,
              `running dry-run for Kustomization ${id}`,
              () => diffKustomization(kube.client, unit, signal),
            );
            for (const outcome of result.outcomes) {
              if (outcome.action !== 'unchanged') seen.changes = true;
              ctx.output.outWrite(formatOutcome(outcome, s));
            }
            failures.push(...result.errors);
          }
          return failures;
        },
      );
      if (errors.length > 0) throw new CliError(errors.join('\n'), DiffExit.error);
    } catch (err) {
      // Every failure is status 2, whatever the command would use elsewhere, so a
      // script can tell "changes" (1) from "could not tell" (2).
      if (err instanceof CliError) throw new CliError(err.message, DiffExit.error);
      throw new CliError(err instanceof Error ? err.message : String(err), DiffExit.error);
    }
    if (seen.changes) throw new CliError(CHANGES_FOUND, DiffExit.changes);
  });
}

/** `--flag=false` as cobra's boolean flags accept it. */
function parseBool(flag: string) {
  return (value: string): boolean => {
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    throw new InvalidArgumentError(`${flag} takes true or false, got '${value}'.`);
  };
}
