// `tide bootstrap git`: push the manifests to a branch, install the components, store the
// Git credentials, apply the sync objects and wait until the cluster follows the branch.
// Running it again changes nothing that is up to date (no commit, no new objects).
import { Command } from 'commander';
import { agentAccess, credentialsAccess } from '../../../bootstrap/git-access.js';
import {
  GitRepositories,
  Kustomizations,
  applySecret,
  applySync,
  gitRepositoryRevision,
  installComponents,
  kustomizationRevision,
  secretExists,
  waitRevision,
  type ClusterTarget,
} from '../../../bootstrap/cluster.js';
import { repoFiles, syncManifests } from '../../../bootstrap/repo-files.js';
import { syncRepository, type SessionRunner } from '../../../bootstrap/repository.js';
import { authFromSecret } from '../../../git/types.js';
import { generateManifests } from '../../../install/manifests.js';
import { waitForDeployments } from '../../../install/readiness.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, kubeFrom, type Kube } from '../../kube/flags.js';
import { gitCredentials, isSsh } from '../../resources/git-credentials.js';
import { scanHostKeys, sshEndpoint } from '../../resources/known-hosts.js';
import { logLines, type LogLines } from '../../resources/log-lines.js';
import { withProgress } from '../../ui/progress.js';
import { cliVersion } from '../version/index.js';
import { Deadline } from '../install/deadline.js';
import { addBootstrapGitFlags, bootstrapPlan, type BootstrapGitFlags, type BootstrapPlan } from './flags.js';
import { gitFailure } from './git-errors.js';

export function newBootstrapGitCommand(ctx: CliContext): Command {
  const cmd = new Command('git')
    .description('Deploy Tide on a cluster connected to a Git repository')
    .addHelpText(
      'after',
      `
Examples:
  # HTTPS with a username and password (or $GIT_PASSWORD)
  tide bootstrap git --url=https://example.com/org/fleet.git --username=me --password=<password> --path=clusters/my-cluster

  # SSH with a key that may push; the same key is stored in the cluster
  tide bootstrap git --url=ssh://git@example.com/org/fleet.git --private-key-file=./id_ecdsa --path=clusters/my-cluster

  # SSH through your agent; Tide generates a deploy key for the cluster and prints it
  tide bootstrap git --url=ssh://git@example.com/org/fleet.git --path=clusters/my-cluster`,
    );
  addKubeFlags(addBootstrapGitFlags(cmd)).action(async (flags: BootstrapGitFlags) => {
    await runBootstrapGit(ctx, flags);
  });
  return cmd;
}

async function runBootstrapGit(ctx: CliContext, flags: BootstrapGitFlags): Promise<void> {
  const version = cliVersion();
  const plan = bootstrapPlan(flags, version, ctx.env);
  const log = logLines(ctx);
  const kube = await kubeFrom(ctx, flags);
  const deadline = new Deadline(ctx, kube.timeoutMs, 'bootstrap');
  const target: ClusterTarget = { client: kube.client, signal: deadline.signal };
  const ns = plan.install.namespace;

  const creds = await deadline.run(() => clusterCredentials(ctx, plan, flags, target, log));
  const files = repoFiles({ install: plan.install, sync: plan.sync, skipCrds: plan.skipCrds });
  log.action(`cloning branch "${plan.sync.branch}" from Git repository "${plan.url.href}"`);
  const appendix = flags.commitMessageAppendix ?? '';
  const pushed = await syncRepository(access(ctx, plan, creds, deadline), {
    branch: plan.sync.branch,
    files,
    author: { name: flags.authorName, email: flags.authorEmail },
    message: `Add Tide v${version} component and sync manifests${appendix === '' ? '' : `\n\n${appendix}`}`,
    onEvent: (event) => {
      if (event.kind === 'cloned') {
        log.success(
          event.created === 'empty'
            ? `the repository is empty: starting branch "${event.branch}"`
            : event.created === 'from-head'
              ? `branch "${event.branch}" does not exist: starting it from the default branch`
              : 'cloned repository',
        );
      } else if (event.kind === 'committed') {
        log.success(`committed component and sync manifests to "${plan.sync.branch}" ("${event.sha}")`);
      } else {
        log.action(`pushing manifests to "${plan.url.href}"`);
      }
    },
  }).catch((err: unknown) => {
    throw gitFailure(err, plan, deadline);
  });
  if (!pushed.changed) log.success('components manifests are up to date');

  log.action(`installing components in "${ns}" namespace`);
  await deadline.run(() =>
    installComponents(target, generateManifests(plan.install), { skipCrds: plan.skipCrds }),
  );
  log.success('installed components');

  if (creds.store) {
    log.action(`applying source secret "${ns}/${plan.sync.secretName}"`);
    await deadline.run(() => applySecret(target, { name: plan.sync.secretName, namespace: ns }, creds.data));
  }
  log.success('reconciled source secret');

  log.action('applying sync manifests');
  await deadline.run(() => applySync(target, syncManifests(plan.sync)));
  log.success('reconciled sync configuration');

  await waitSynced(ctx, kube, plan, pushed.revision, deadline, log);
  await confirmHealthy(ctx, kube, plan, deadline, log);
}

interface ClusterCredentials {
  /** The Secret's data; empty when the existing Secret is kept. */
  readonly data: Readonly<Record<string, string>>;
  /** Apply the Secret (false: an SSH Secret from an earlier run is kept, its deploy key stays valid). */
  readonly store: boolean;
  /** For SSH through the agent: the server's host keys. */
  readonly knownHosts?: string;
}

async function clusterCredentials(
  ctx: CliContext,
  plan: BootstrapPlan,
  flags: BootstrapGitFlags,
  target: ClusterTarget,
  log: LogLines,
): Promise<ClusterCredentials> {
  const ns = plan.install.namespace;
  const generate = isSsh(plan.url) && flags.privateKeyFile === undefined;
  if (generate && (await secretExists(target, plan.sync.secretName, ns))) {
    log.success(`source secret "${ns}/${plan.sync.secretName}" exists: keeping its deploy key`);
    return { data: {}, store: false, knownHosts: await scanHostKeys(plan.url, { signal: target.signal }) };
  }
  if (generate) log.generate('generating source secret');
  const creds = await gitCredentials(plan.url, plan.credentials, { signal: target.signal });
  if (isSsh(plan.url)) {
    const { host, port } = sshEndpoint(plan.url);
    log.success(`collected the host keys of the SSH server ${host}:${String(port)}`);
  }
  if (creds.deployKey !== undefined) {
    log.success(`public key: ${creds.deployKey}`);
    if (!flags.silent) {
      const added = await ctx.confirm(
        'Please give the key access to your repository (read access is enough)',
      );
      if (added === false) {
        throw new CliError(
          'aborted: add the deploy key to the repository, then run bootstrap again; -s skips this question',
        );
      }
    }
  }
  return {
    data: creds.data,
    store: true,
    ...(generate ? { knownHosts: creds.data['known_hosts'] ?? '' } : {}),
  };
}

function access(
  ctx: CliContext,
  plan: BootstrapPlan,
  creds: ClusterCredentials,
  deadline: Deadline,
): SessionRunner {
  const common = { url: plan.url.href, timeoutMs: deadline.remainingMs(), signal: deadline.signal };
  if (creds.knownHosts === undefined)
    return credentialsAccess({ ...common, auth: authFromSecret(plan.url.href, creds.data) });
  const agentSocket = ctx.env['SSH_AUTH_SOCK'];
  if (agentSocket === undefined || agentSocket === '') {
    throw new CliError(
      `pushing to ${plan.url.href} needs your own SSH key: give --private-key-file, or run an SSH agent (SSH_AUTH_SOCK) holding a key that may push`,
      ExitCode.usage,
    );
  }
  return agentAccess({
    ...common,
    agentSocket,
    knownHosts: creds.knownHosts,
    path: ctx.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
  });
}

async function waitSynced(
  ctx: CliContext,
  kube: Kube,
  plan: BootstrapPlan,
  revision: string,
  deadline: Deadline,
  log: LogLines,
): Promise<void> {
  const target: ClusterTarget = { client: kube.client, signal: deadline.signal };
  const { name, namespace } = plan.sync;
  for (const [res, kind, revisionOf, done] of [
    [GitRepositories, 'GitRepository', gitRepositoryRevision, `fetched revision ${revision}`],
    [Kustomizations, 'Kustomization', kustomizationRevision, `applied revision ${revision}`],
  ] as const) {
    log.waiting(`waiting for ${kind} "${namespace}/${name}" to be reconciled`);
    const result = await withProgress(ctx, `waiting for ${kind} "${namespace}/${name}"`, (progress) =>
      deadline.run(() =>
        waitRevision(
          target,
          res,
          {
            name,
            namespace,
            revision,
            timeoutMs: deadline.remainingMs(),
            onMessage: (m) => {
              progress.update(`${kind} "${namespace}/${name}": ${m}`);
            },
          },
          revisionOf,
        ),
      ),
    );
    if (result.state === 'failed')
      throw new CliError(`${kind} ${namespace}/${name} failed: ${result.message}`);
    if (result.state === 'timeout') {
      throw new CliError(
        `${kind} ${namespace}/${name} did not reconcile ${revision} within --timeout ${deadline.label}: ${result.message}`,
        ExitCode.timeout,
      );
    }
    log.success(`${kind} reconciled successfully: ${done}`);
  }
}

async function confirmHealthy(
  ctx: CliContext,
  kube: Kube,
  plan: BootstrapPlan,
  deadline: Deadline,
  log: LogLines,
): Promise<void> {
  log.action('confirming components are healthy');
  const components = plan.install.components;
  const report = await withProgress(ctx, `waiting for ${components.join(', ')}`, () =>
    deadline.run((signal) =>
      waitForDeployments({
        client: kube.client,
        namespace: plan.install.namespace,
        names: components,
        timeoutMs: deadline.remainingMs(),
        signal,
      }),
    ),
  );
  const unhealthy = new Map(report.unhealthy.map((u) => [u.subject, u.message]));
  for (const name of components) {
    const failed = unhealthy.get(`Deployment/${plan.install.namespace}/${name}`);
    if (failed === undefined) log.success(`${name}: deployment ready`);
    else ctx.output.err(`✗ ${name}: ${failed}`);
  }
  if (!report.healthy) {
    throw new CliError(
      `the controllers are not ready: see kubectl -n ${plan.install.namespace} describe deployment ${components.join(' ')}`,
      deadline.expired ? ExitCode.timeout : ExitCode.failure,
    );
  }
  log.success('all components are healthy');
}
