// The default run (`tide` with no command): a GitOps loop on the machine in one
// command. With no cluster configured it starts the local cluster; it installs the CRDs,
// serves a demo repository over git, runs the controllers in this process, syncs the
// demo, prints `tide get all` and what to try next, and stays up until Ctrl-C.
import path from 'node:path';
import { Command } from 'commander';
import { startLocalCluster, type LocalCluster } from '../../../localcluster/cluster.js';
import { connect } from '../../../runtime/client/connect.js';
import { loadKubeConfigFromFile, type ResolvedKubeConfig } from '../../../runtime/client/kubeconfig.js';
import type { CliContext } from '../../context.js';
import { kubeConfigFrom } from '../../kube/flags.js';
import { runProgram } from '../../program.js';
import { clusterBinary } from '../cluster/binary.js';
import { startFailure } from '../cluster/errors.js';
import { addClusterStartFlags, type ClusterStartFlags } from '../cluster/options.js';
import { DEMO_NAMESPACE_FLUX, startDemo } from './demo.js';
import { followDemo } from './follow.js';
import { chooseTarget, type TargetFlags } from './target.js';

interface RunFlags extends ClusterStartFlags, TargetFlags {
  readonly exitWhenReady?: boolean;
  readonly demoDir?: string;
}

const WAIT_TIMEOUT_MS = 5 * 60_000;

/** `$XDG_DATA_HOME/tide/demo`, else `~/.local/share/tide/demo`. */
export function defaultDemoDir(ctx: CliContext): string {
  const data = ctx.env['XDG_DATA_HOME'];
  const base = data !== undefined && data !== '' ? data : path.join(ctx.home, '.local', 'share');
  return path.join(base, 'tide', 'demo');
}

function tilde(ctx: CliContext, p: string): string {
  return p.startsWith(ctx.home + path.sep) ? `~${p.slice(ctx.home.length)}` : p;
}

async function startCluster(ctx: CliContext, flags: RunFlags): Promise<LocalCluster> {
  const binary = await clusterBinary(ctx);
  ctx.output.err('► starting the local Kubernetes cluster');
  const cluster = await startLocalCluster({
    binary,
    ...(flags.dir !== undefined ? { dir: flags.dir } : {}),
    ...(flags.port !== undefined ? { apiserverPort: flags.port } : {}),
    ...(flags.nodes !== undefined ? { nodes: flags.nodes } : {}),
    ...(flags.timeout !== undefined ? { timeoutSeconds: flags.timeout } : {}),
  }).catch((err: unknown) => {
    throw startFailure(err);
  });
  ctx.output.err(
    `✔ local cluster ready in ${cluster.startedInSeconds.toFixed(1)}s; apiserver ${cluster.server}`,
  );
  return cluster;
}

function nextSteps(
  ctx: CliContext,
  kubeconfigHint: string | undefined,
  workdir: string,
  stay: boolean,
): string[] {
  return [
    '',
    'The demo is synced: Tide applied apps/demo/overlays/local of the demo repository to the namespace demo.',
    '',
    'Try it in another terminal:',
    ...(kubeconfigHint === undefined ? [] : [`  export KUBECONFIG=${kubeconfigHint}`]),
    '  kubectl -n demo get deployments,services,configmaps',
    `  cd ${tilde(ctx, workdir)}`,
    '  # change the greeting in apps/demo/overlays/local/configmap-patch.yaml, then:',
    '  git commit -am "a new greeting"     # a hook pushes it; Tide applies it within seconds',
    `  npx tide get kustomizations -n ${DEMO_NAMESPACE_FLUX} --watch`,
    '  npx tide tree kustomization demo',
    '',
    stay ? 'Press Ctrl-C to stop.' : 'Stopping (--exit-when-ready).',
  ];
}

export function newRunCommand(ctx: CliContext): Command {
  return addClusterStartFlags(
    new Command('run').description(
      'Sync a demo app with GitOps: local cluster (unless one is configured), controllers, a git repository (the default)',
    ),
  )
    .option('--kubeconfig <path>', 'use this cluster instead of starting the local one')
    .option('--context <name>', 'kubeconfig context to use')
    .option('--local', 'start the local cluster even when a kubeconfig is configured')
    .option('-y, --yes', 'install the demo into the configured cluster without asking')
    .option('--demo-dir <dir>', 'where the demo repository lives (default: ~/.local/share/tide/demo)')
    .option('--exit-when-ready', 'stop again as soon as the demo is synced (for scripts and tests)')
    .action(async (flags: RunFlags) => {
      const target = await chooseTarget(ctx, flags);
      let cluster: LocalCluster | undefined;
      try {
        let kubeConfig: ResolvedKubeConfig;
        let kubeArgs: string[];
        let kubeconfigHint: string | undefined;
        if (target.kind === 'local') {
          cluster = await startCluster(ctx, flags);
          kubeConfig = loadKubeConfigFromFile(cluster.kubeconfig, { env: ctx.env });
          kubeArgs = ['--kubeconfig', cluster.kubeconfig];
          kubeconfigHint = cluster.kubeconfig;
        } else {
          kubeConfig = kubeConfigFrom(ctx, flags);
          kubeArgs = [
            ...(target.kubeconfig === undefined ? [] : ['--kubeconfig', target.kubeconfig]),
            ...(target.context === undefined ? [] : ['--context', target.context]),
          ];
          kubeconfigHint = target.kubeconfig;
        }
        const client = await connect(kubeConfig, { userAgent: 'tide-cli' });
        const demo = await startDemo(ctx, {
          client,
          kubeConfig,
          demoDir: path.resolve(flags.demoDir ?? defaultDemoDir(ctx)),
          logFile: path.join(ctx.cacheDir, 'run', 'controllers.log'),
          waitTimeoutMs: WAIT_TIMEOUT_MS,
        });
        try {
          ctx.output.out('');
          await runProgram(['get', 'all', '-n', DEMO_NAMESPACE_FLUX, ...kubeArgs], ctx);
          const stay = flags.exitWhenReady !== true;
          for (const line of nextSteps(ctx, kubeconfigHint, demo.repo.workdir, stay)) ctx.output.out(line);
          if (stay) await followDemo(ctx, client, demo.repo, demo.kustomization);
          ctx.output.err('► stopping the controllers and the git server');
        } finally {
          await demo.close();
        }
      } finally {
        if (cluster !== undefined) {
          ctx.output.err('► stopping the local cluster');
          await cluster.stop();
        }
      }
    });
}
