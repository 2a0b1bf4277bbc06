// `tide install`: apply the controllers, their CRDs and RBAC to a cluster (or print
// them with --export), then wait until the controllers are rolled out. Running it
// again upgrades: every object is server-side applied under the `tide` manager.
import { Command } from 'commander';
import {
  applyObjects,
  isCrd,
  namespaceTerminating,
  waitForCrds,
  waitNamespaceGone,
  type AppliedObject,
} from '../../../install/apply.js';
import { generateManifests } from '../../../install/manifests.js';
import {
  defaultInstallOptions,
  imageOf,
  validateInstallOptions,
  type InstallOptions,
} from '../../../install/options.js';
import { waitForDeployments } from '../../../install/readiness.js';
import { manifestsHeader, toYamlDocuments } from '../../../install/yaml.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom } from '../../kube/flags.js';
import { withProgress } from '../../ui/progress.js';
import { style } from '../../ui/style.js';
import { cliVersion } from '../version/index.js';
import { Deadline } from './deadline.js';
import { addInstallFlags, installOptionsFrom, type InstallFlags } from './options.js';

export function newInstallCommand(ctx: CliContext): Command {
  const cmd = new Command('install').description('Install or upgrade Tide in a cluster').addHelpText(
    'after',
    `
One image runs every controller: <registry>/tide:v<version>, by default
${imageOf(defaultInstallOptions(cliVersion()))}. Objects are server-side applied under
the field manager "tide"; running install again upgrades.

Examples:
  # Install the controllers into flux-system and wait for them
  tide install

  # Print the manifests instead of applying them
  tide install --export > tide.yaml

  # Only the source controller, from a mirror registry
  tide install --components=source-controller --registry=registry.example.com/tide`,
  );
  addKubeFlags(addInstallFlags(cmd)).action(async (flags: InstallFlags) => {
    await runInstall(ctx, flags);
  });
  return cmd;
}

async function runInstall(ctx: CliContext, flags: InstallFlags): Promise<void> {
  const version = cliVersion();
  const opts = installOptionsFrom(flags, version);
  const problems = validateInstallOptions(opts);
  if (problems.length > 0) throw new CliError(problems.join('\n  '), ExitCode.usage);
  const objects = generateManifests(opts);
  if (flags.export) {
    // --skip-crds means the same in both modes (and in bootstrap): the CRDs are managed elsewhere.
    const exported = flags.skipCrds ? objects.filter((o) => !isCrd(o)) : objects;
    ctx.output.outWrite(toYamlDocuments(exported, manifestsHeader(version)));
    return;
  }
  const kube = await kubeFrom(ctx, flags);
  const deadline = new Deadline(ctx, kube.timeoutMs, 'install');
  const s = style(ctx);
  ctx.output.err(`► installing components in ${opts.namespace} namespace`);
  const report = (applied: AppliedObject): void => {
    ctx.output.out(`${applied.ref} ${applied.action}`);
  };
  await deadline.run(async (signal) => {
    if (await namespaceTerminating(kube.client, opts.namespace, signal)) {
      await withProgress(ctx, `waiting for the ${opts.namespace} namespace to finish terminating`, () =>
        waitNamespaceGone(kube.client, opts.namespace, signal),
      );
    }
    const crds = objects.filter(isCrd);
    const names = crds.map((c) => c.metadata.name);
    if (!flags.skipCrds) await applyObjects(crds, { client: kube.client, signal, onApplied: report });
    await withProgress(ctx, `waiting for ${String(names.length)} CRDs to be established`, () =>
      waitForCrds(names, { client: kube.client, signal, mustExist: flags.skipCrds }),
    );
    await applyObjects(
      objects.filter((o) => !isCrd(o)),
      { client: kube.client, signal, onApplied: report },
    );
  });
  ctx.output.err('◎ verifying installation');
  await verify(ctx, kube.client, opts, deadline);
  ctx.output.err(`${s.green('✔')} install finished`);
}

async function verify(
  ctx: CliContext,
  client: KubeClient,
  opts: InstallOptions,
  deadline: Deadline,
): Promise<void> {
  const s = style(ctx);
  const result = await withProgress(ctx, `waiting for ${opts.components.join(', ')}`, () =>
    deadline.run((signal) =>
      waitForDeployments({
        client,
        namespace: opts.namespace,
        names: opts.components,
        timeoutMs: deadline.remainingMs(),
        signal,
      }),
    ),
  );
  // The deadline's signal and the wait's own timeout end together: either counts as the timeout.
  const timedOut = result.timedOut === true || deadline.expired;
  if (result.canceled === true && !timedOut) throw new CliError('install interrupted', ExitCode.failure);
  const unhealthy = new Map(result.unhealthy.map((u) => [u.subject, u]));
  for (const name of opts.components) {
    const failed = unhealthy.get(`Deployment/${opts.namespace}/${name}`);
    if (failed === undefined) ctx.output.err(`${s.green('✔')} ${name}: deployment ready`);
    else ctx.output.err(`${s.red('✗')} ${name}: ${failed.message}`);
  }
  if (!result.healthy) {
    throw new CliError(
      `the controllers are not ready${timedOut ? ` after --timeout ${deadline.label}` : ''}: ` +
        `see kubectl -n ${opts.namespace} describe deployment ${opts.components.join(' ')}`,
      timedOut ? ExitCode.timeout : ExitCode.failure,
    );
  }
}
