// `tide create kustomization <name>`: a Kustomization for a source path, applied and
// waited for until its first revision is applied.
import path from 'node:path/posix';
import { Command, Option } from 'commander';
import { apiVersionOf } from '../../../api/crd.js';
import { KustomizationKind, type Kustomization } from '../../../api/kustomize/kustomization.js';
import { KUSTOMIZATION_SOURCE_KINDS } from '../../../api/kustomize/kustomization-spec.js';
import type { NamespacedObjectKindReference } from '../../../api/meta/references.js';
import { resourceFor } from '../../../runtime/client/resource.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { durationArg, kubeFrom } from '../../kube/flags.js';
import { awaitReconcile } from '../../resources/await-reconcile.js';
import { goDuration } from '../../resources/go-duration.js';
import { logLines } from '../../resources/log-lines.js';
import {
  checkNamespaceName,
  checkObjectName,
  collect,
  parseLabels,
  splitList,
} from '../../resources/names.js';
import { nounForKindWord } from '../../resources/nouns.js';
import { parseKindRef } from '../../resources/object-ref.js';
import { outcomeMessage } from '../../resources/status.js';
import { applyObject } from './apply.js';
import { addCreateFlags, printExport, type CreateFlags, type IntervalFlags } from './flags.js';

interface KustomizationFlags extends CreateFlags, IntervalFlags {
  readonly source?: string;
  readonly path: string;
  readonly prune?: boolean;
  readonly wait?: boolean;
  readonly healthCheck: string[];
  readonly healthCheckTimeout: number;
  readonly dependsOn: string[];
  readonly serviceAccount?: string;
  readonly decryptionProvider?: string;
  readonly decryptionSecret?: string;
  readonly targetNamespace?: string;
  readonly kubeconfigSecretRef?: string;
  readonly retryInterval?: number;
}

const Kustomizations = resourceFor(KustomizationKind);
// Workload kinds a health check may name besides the Flux kinds (apiVersion defaults to apps/v1).
const WORKLOAD_KINDS = ['Deployment', 'DaemonSet', 'StatefulSet'] as const;

export function newCreateKustomizationCommand(ctx: CliContext): Command {
  const cmd = new Command('kustomization')
    .alias('ks')
    .description('Create or update a Kustomization and wait until it has applied its source')
    .argument('<name>', 'name of the Kustomization')
    .option('--source <[kind/]name[.namespace]>', 'source of the manifests (kind defaults to GitRepository)')
    .option('--path <path>', 'directory in the source with the manifests (or a kustomization.yaml)', './')
    .option('--prune', 'delete the objects removed from the source (garbage collection)')
    .option('--wait', 'health-check every applied object')
    .option(
      '--health-check <kind/name.namespace>',
      'object to health-check (repeatable, comma-separated)',
      collect,
      [],
    )
    .addOption(
      new Option('--health-check-timeout <duration>', 'timeout of applying and health-checking')
        .argParser(durationArg('--health-check-timeout'))
        .default(120_000, '2m'),
    )
    .option(
      '--depends-on <[namespace/]name>',
      'Kustomization that must be ready first (repeatable, comma-separated)',
      collect,
      [],
    )
    .option('--service-account <name>', 'ServiceAccount to impersonate when applying')
    .addOption(
      new Option('--decryption-provider <provider>', 'decrypt SOPS-encrypted Secrets').choices(['sops']),
    )
    .option('--decryption-secret <name>', 'Secret with the decryption keys')
    .option('--target-namespace <namespace>', 'namespace of every applied namespaced object')
    .option('--kubeconfig-secret-ref <name>', 'Secret with a kubeconfig for a remote cluster')
    .addOption(
      new Option(
        '--retry-interval <duration>',
        'retry interval after a failure (default: --interval)',
      ).argParser(durationArg('--retry-interval')),
    );
  addCreateFlags(cmd, { interval: true });
  return cmd.action(async (name: string, flags: KustomizationFlags) => {
    await createKustomization(ctx, name, flags);
  });
}

/** `./path` inside the source; absolute paths and escapes are refused. */
function sourcePath(value: string): string {
  const normal = path.normalize(value.replaceAll('\\', '/'));
  if (value === '' || path.isAbsolute(value) || normal === '..' || normal.startsWith('../')) {
    throw new CliError(
      `--path '${value}' must be a relative path inside the source, such as ./ or ./clusters/prod.`,
      ExitCode.usage,
    );
  }
  return normal === '.' ? './' : `./${normal.replace(/\/$/, '')}`;
}

function healthCheck(value: string): NamespacedObjectKindReference {
  const fluxKinds = ['HelmRelease', 'Kustomization', 'GitRepository', 'OCIRepository', 'Bucket', 'HelmChart'];
  const ref = parseKindRef(value, {
    flag: '--health-check',
    kinds: [...WORKLOAD_KINDS, ...fluxKinds],
    requireNamespace: true,
    alias: (word) => nounForKindWord(word)?.kind.kind,
  });
  const workload = (WORKLOAD_KINDS as readonly string[]).includes(ref.kind);
  const noun = workload ? undefined : nounForKindWord(ref.kind);
  return {
    ...(noun === undefined ? {} : { apiVersion: apiVersionOf(noun.kind) }),
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace ?? '',
  };
}

function dependsOn(values: readonly string[]): { name: string; namespace?: string }[] {
  return splitList(values).map((value) => {
    const parts = value.split('/');
    if (parts.length > 2 || parts.some((p) => p === '')) {
      throw new CliError(`--depends-on '${value}' must be <name> or <namespace>/<name>.`, ExitCode.usage);
    }
    const [a = '', b] = parts;
    return b === undefined ? { name: a } : { name: b, namespace: a };
  });
}

/** Validates every flag and builds the Kustomization; nothing is read or written yet. */
export function buildKustomization(name: string, flags: KustomizationFlags): Kustomization {
  checkObjectName(name, 'Kustomization name');
  checkNamespaceName(flags.namespace, '--namespace');
  if (flags.source === undefined) {
    throw new CliError(
      '--source is required, e.g. --source=GitRepository/podinfo or --source=podinfo.',
      ExitCode.usage,
    );
  }
  const source = parseKindRef(flags.source, {
    flag: '--source',
    kinds: KUSTOMIZATION_SOURCE_KINDS,
    defaultKind: 'GitRepository',
    alias: (word) => nounForKindWord(word)?.kind.kind,
  });
  if (flags.decryptionSecret !== undefined && flags.decryptionProvider === undefined) {
    throw new CliError('--decryption-secret needs --decryption-provider=sops.', ExitCode.usage);
  }
  if (flags.targetNamespace !== undefined) checkNamespaceName(flags.targetNamespace, '--target-namespace');
  const labels = parseLabels(flags.label);
  const checks = flags.wait === true ? [] : splitList(flags.healthCheck).map(healthCheck);
  const timed = flags.wait === true || checks.length > 0;
  const deps = dependsOn(flags.dependsOn);
  return {
    apiVersion: apiVersionOf(KustomizationKind),
    kind: KustomizationKind.kind,
    metadata: { name, namespace: flags.namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec: {
      interval: goDuration(flags.interval),
      path: sourcePath(flags.path),
      prune: flags.prune === true,
      sourceRef: {
        kind: source.kind as 'GitRepository',
        name: source.name,
        ...(source.namespace === undefined ? {} : { namespace: source.namespace }),
      },
      ...(deps.length > 0 ? { dependsOn: deps } : {}),
      ...(flags.wait === true ? { wait: true } : {}),
      ...(checks.length > 0 ? { healthChecks: checks } : {}),
      ...(timed ? { timeout: goDuration(flags.healthCheckTimeout) } : {}),
      ...(flags.retryInterval === undefined ? {} : { retryInterval: goDuration(flags.retryInterval) }),
      ...(flags.serviceAccount === undefined ? {} : { serviceAccountName: flags.serviceAccount }),
      ...(flags.targetNamespace === undefined ? {} : { targetNamespace: flags.targetNamespace }),
      ...(flags.kubeconfigSecretRef === undefined
        ? {}
        : { kubeConfig: { secretRef: { name: flags.kubeconfigSecretRef } } }),
      ...(flags.decryptionProvider === undefined
        ? {}
        : {
            decryption: {
              provider: 'sops' as const,
              ...(flags.decryptionSecret === undefined
                ? {}
                : { secretRef: { name: flags.decryptionSecret } }),
            },
          }),
    },
  };
}

async function createKustomization(ctx: CliContext, name: string, flags: KustomizationFlags): Promise<void> {
  const ks = buildKustomization(name, flags);
  if (flags.export === true) {
    printExport(ctx, [ks]);
    return;
  }
  const kube = await kubeFrom(ctx, flags);
  await applyObject(ctx, kube, Kustomizations, ks);
  const ready = await awaitReconcile<Kustomization>(ctx, kube, Kustomizations, {
    kind: KustomizationKind.kind,
    name,
    namespace: flags.namespace,
  });
  logLines(ctx).success(outcomeMessage(ready));
}
