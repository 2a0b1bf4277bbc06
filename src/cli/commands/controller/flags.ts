// The flags of `tide controller`: which controllers to run, and the Flux flags of both
// controllers with Flux's names and defaults, so a Flux Deployment's arguments carry
// over. Flags both Flux controllers have (--requeue-dependency, --no-cross-namespace-refs)
// apply to both.
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  kustomizeControllerFlagsFrom,
  addKustomizeControllerFlags,
  type KustomizeControllerFlags,
} from '../../../controllers/kustomize/options.js';
import type { SourceRunOptions } from '../../../controllers/run.js';
import {
  CONTROLLERS,
  DEFAULT_RUNTIME_NAMESPACE,
  clientDefaultsFor,
  concurrentDefaultFor,
  defaultStorageAdvAddr,
  type ControllerName,
} from '../../../controllers/run/defaults.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import {
  addManagerFlags,
  managerOptionsFrom,
  type ManagerOptions,
} from '../../../runtime/manager/options.js';
import { parseAddress } from '../../../runtime/metrics/server.js';
import { closest } from '../../resources/nouns.js';

export interface ControllerConfig {
  readonly controllers: readonly ControllerName[];
  readonly manager: ManagerOptions;
  /** storageAdvAddr is left out only for port 0 (resolved when the port is picked). */
  readonly source: SourceRunOptions;
  readonly kustomize: KustomizeControllerFlags;
  /** --kubeconfig; otherwise KUBECONFIG, in-cluster, ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  /** TIDE_RENDER_BINARY: a prebuilt tide-render (the container image's). */
  readonly rendererBinary: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `source,kustomize`; Flux's Deployment names (`kustomize-controller`) are accepted too. */
export function parseControllers(value: string): ControllerName[] {
  const words = value
    .split(',')
    .map((w) => w.trim())
    .filter((w) => w !== '');
  if (words.length === 0) throw new InvalidArgumentError(`name at least one of: ${CONTROLLERS.join(', ')}.`);
  const names = words.map((word): ControllerName => {
    const name = word.toLowerCase().replace(/-controller$/, '');
    const known = CONTROLLERS.find((c) => c === name);
    if (known !== undefined) return known;
    const near = closest(name, CONTROLLERS);
    throw new InvalidArgumentError(
      `unknown controller '${word}'${near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''}; the controllers are ${CONTROLLERS.join(', ')}.`,
    );
  });
  return CONTROLLERS.filter((c) => names.includes(c));
}

function durationOf(flag: string) {
  return (value: string): number => {
    try {
      return parseDuration(value);
    } catch {
      throw new InvalidArgumentError(`${flag} takes a duration such as 30s, 1m or 1h, got '${value}'.`);
    }
  };
}

function address(flag: string) {
  return (value: string): string => {
    try {
      parseAddress(value);
    } catch {
      throw new InvalidArgumentError(`${flag} takes host:port or :port, got '${value}'.`);
    }
    return value;
  };
}

function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${flag} takes a whole number of 1 or more, got '${value}'.`);
    return n;
  };
}

/** source-controller's storage flags (fluxcd/pkg artifact/config), with its environment fallbacks. */
export function addSourceControllerFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--storage-path <path>', 'directory artifacts are stored in (env STORAGE_PATH)').default(
        '/data',
      ),
    )
    .addOption(
      new Option('--storage-addr <addr>', 'address the artifact server binds to (env STORAGE_ADDRESS)')
        .argParser(address('--storage-addr'))
        .default(':9090'),
    )
    .addOption(
      new Option(
        '--storage-adv-addr <addr>',
        'address advertised in artifact URLs (env STORAGE_ADV_ADDR; default: --storage-addr with an empty host as localhost and 0.0.0.0 as the host name)',
      ),
    )
    .addOption(
      new Option('--artifact-retention-ttl <duration>', 'how long superseded artifacts are kept')
        .argParser(durationOf('--artifact-retention-ttl'))
        .default(60_000, '60s'),
    )
    .addOption(
      new Option('--artifact-retention-records <n>', 'artifacts kept per object after garbage collection')
        .argParser(positiveInt('--artifact-retention-records'))
        .default(2),
    );
}

/** Every flag of `tide controller`. */
export function addControllerFlags(cmd: Command): Command {
  cmd.addOption(
    new Option('--controllers <list>', `controllers to run, comma separated: ${CONTROLLERS.join(', ')}`)
      .argParser(parseControllers)
      .default([...CONTROLLERS], CONTROLLERS.join(',')),
  );
  addManagerFlags(cmd);
  const option = (flag: string) => cmd.options.find((o) => o.long === flag);
  for (const flag of ['--metrics-addr', '--health-addr']) option(flag)?.argParser(address(flag));
  // The defaults depend on --controllers (see controllerConfigFrom); help says how.
  const describeDefault = (flag: string, text: string): void => {
    const o = option(flag);
    o?.default(o.defaultValue, text);
  };
  describeDefault('--concurrent', '4; 2 with --controllers=source');
  describeDefault('--kube-api-qps', '50 per controller in this process');
  describeDefault('--kube-api-burst', '300 per controller in this process');
  addKustomizeControllerFlags(cmd);
  return addSourceControllerFlags(cmd);
}

/** The flag's value unless it was left at its default and `env[name]` is set. */
function envFallback(cmd: Command, key: string, env: Env, names: readonly string[]): unknown {
  const value: unknown = cmd.getOptionValue(key);
  const source = cmd.getOptionValueSource(key);
  if (source !== undefined && source !== 'default') return value;
  for (const name of names) {
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  }
  return value;
}

/**
 * Reads the parsed flags into the controllers' options. RUNTIME_NAMESPACE (set from the
 * pod's namespace in Flux's manifests) names where the Lease and --sops-age-secret live and
 * what --watch-all-namespaces=false watches; unset, it is flux-system.
 */
export function controllerConfigFrom(cmd: Command, env: Env, hostname: string): ControllerConfig {
  const controllers = cmd.getOptionValue('controllers') as ControllerName[];
  const runtimeNamespace = nonEmpty(env['RUNTIME_NAMESPACE']) ?? DEFAULT_RUNTIME_NAMESPACE;
  const parsed = managerOptionsFrom(cmd, runtimeNamespace);
  const defaults = clientDefaultsFor(controllers);
  const fromDefault = (key: string): boolean => cmd.getOptionValueSource(key) === 'default';
  const manager: ManagerOptions = {
    ...parsed,
    concurrent: fromDefault('concurrent') ? concurrentDefaultFor(controllers) : parsed.concurrent,
    kubeApiQps: fromDefault('kubeApiQps') ? defaults.kubeApiQps : parsed.kubeApiQps,
    kubeApiBurst: fromDefault('kubeApiBurst') ? defaults.kubeApiBurst : parsed.kubeApiBurst,
  };
  const kustomize = kustomizeControllerFlagsFrom(cmd);
  const storageAddr = address('STORAGE_ADDRESS')(
    envFallback(cmd, 'storageAddr', env, ['STORAGE_ADDRESS', 'STORAGE_ADDR']) as string,
  );
  const storageAdvAddr =
    nonEmpty(envFallback(cmd, 'storageAdvAddr', env, ['STORAGE_ADV_ADDR']) as string | undefined) ??
    (parseAddress(storageAddr).port === 0
      ? undefined
      : defaultStorageAdvAddr(storageAddr, nonEmpty(env['HOSTNAME']) ?? hostname));
  return {
    controllers,
    manager,
    source: {
      storagePath: envFallback(cmd, 'storagePath', env, ['STORAGE_PATH']) as string,
      storageAddr,
      ...(storageAdvAddr === undefined ? {} : { storageAdvAddr }),
      artifactRetentionTtlMs: cmd.getOptionValue('artifactRetentionTtl') as number,
      artifactRetentionRecords: cmd.getOptionValue('artifactRetentionRecords') as number,
      ...(kustomize.requeueDependencyMs === undefined
        ? {}
        : { requeueDependencyMs: kustomize.requeueDependencyMs }),
      ...(kustomize.noCrossNamespaceRefs === undefined
        ? {}
        : { noCrossNamespaceRefs: kustomize.noCrossNamespaceRefs }),
    },
    kustomize,
    kubeconfig: parsed.kubeconfig,
    rendererBinary: nonEmpty(env['TIDE_RENDER_BINARY']),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
