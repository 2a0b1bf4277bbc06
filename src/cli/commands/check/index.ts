// `tide check`: can Tide be installed here (--pre), and is the installation healthy.
// The report goes to stdout; any failed finding makes the exit code 1.
import { Command, Option } from 'commander';
import {
  MIN_KUBERNETES_VERSION,
  countFailed,
  formatCheckReport,
  type CheckSection,
} from '../../../install/check-report.js';
import { controllers, crds, prerequisites, type CheckTarget } from '../../../install/checks.js';
import type { Component } from '../../../install/options.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, durationArg, kubeFrom, type KubeFlags } from '../../kube/flags.js';
import { withProgress } from '../../ui/progress.js';
import { style } from '../../ui/style.js';
import { Deadline } from '../install/deadline.js';
import { componentsOption } from '../install/options.js';

const REQUEST_GRACE_MS = 30_000;

interface CheckFlags extends KubeFlags {
  readonly pre: boolean;
  readonly components: Component[];
  /** Milliseconds. */
  readonly pollInterval: number;
}

export function newCheckCommand(ctx: CliContext): Command {
  const cmd = new Command('check')
    .description('Check the cluster prerequisites and the installed components')
    .addOption(new Option('--pre', 'only run the pre-installation checks').default(false))
    .addOption(componentsOption())
    .addOption(
      new Option('--poll-interval <duration>', 'how often the controllers are polled while waiting for them')
        .argParser(durationArg('--poll-interval'))
        .default(5000, '5s'),
    )
    .addHelpText(
      'after',
      `
Tide needs Kubernetes ${MIN_KUBERNETES_VERSION} or later (CRD validation rules, aggregated discovery).

Examples:
  # Before installing: API server, Kubernetes version, permissions
  tide check --pre

  # After installing: controllers rolled out, CRDs established
  tide check`,
    );
  addKubeFlags(cmd).action(async (flags: CheckFlags) => {
    await runCheck(ctx, flags);
  });
  return cmd;
}

async function runCheck(ctx: CliContext, flags: CheckFlags): Promise<void> {
  const kube = await kubeFrom(ctx, flags);
  // --timeout bounds the wait for the controllers; the requests after it get a grace period.
  const deadline = new Deadline(ctx, kube.timeoutMs + REQUEST_GRACE_MS, 'check', kube.timeoutMs);
  const s = style(ctx);
  const sections: CheckSection[] = [];
  const show = (section: CheckSection): void => {
    sections.push(section);
    for (const line of formatCheckReport([section], s)) ctx.output.out(line);
  };
  await deadline.run(async (signal) => {
    const target: CheckTarget = {
      client: kube.client,
      namespace: flags.namespace,
      components: flags.components,
      signal,
    };
    show(await prerequisites(target, { permissions: flags.pre }));
    if (flags.pre || countFailed(sections) > 0) return;
    show(
      await withProgress(ctx, `waiting for ${flags.components.join(', ')}`, () =>
        controllers({ ...target, timeoutMs: kube.timeoutMs, pollMs: flags.pollInterval }),
      ),
    );
    show(await crds(target));
  });
  const failures = countFailed(sections);
  if (failures > 0) {
    throw new CliError(
      `${flags.pre ? 'pre-requisites checks' : 'checks'} failed: ${String(failures)} ${failures === 1 ? 'problem' : 'problems'} above`,
      ExitCode.failure,
    );
  }
  ctx.output.out(`${s.green('✔')} ${flags.pre ? 'all prerequisites checks passed' : 'all checks passed'}`);
}
