// What changes when the source and kustomize controllers share one process instead of
// running as Flux's two Deployments: the manager's name (and so its Lease), the client
// budget, the worker default; and Flux's rule for the advertised artifact address.
import net from 'node:net';
import { Command } from 'commander';
import { addManagerFlags, managerOptionsFrom, type ManagerOptions } from '../../runtime/manager/options.js';
import { parseAddress } from '../../runtime/metrics/server.js';

export const CONTROLLERS = ['source', 'kustomize'] as const;
export type ControllerName = (typeof CONTROLLERS)[number];

/** Flux's namespace for its controllers; the default when RUNTIME_NAMESPACE is unset. */
export const DEFAULT_RUNTIME_NAMESPACE = 'flux-system';

/** The set in a fixed order, without repeats; an empty set is refused. */
export function normalizeControllers(names: readonly ControllerName[]): ControllerName[] {
  const set = CONTROLLERS.filter((c) => names.includes(c));
  if (set.length === 0) throw new Error(`no controller to run (known: ${CONTROLLERS.join(', ')})`);
  return set;
}

/**
 * The manager's name: the Flux Deployment's name when one controller runs, so two
 * Deployments (source-controller, kustomize-controller) hold two Leases
 * (`<name>-leader-election`) and never fight over one; `tide-controller` when both
 * share a process, a Lease of its own.
 */
export function managerNameFor(controllers: readonly ControllerName[]): string {
  const set = normalizeControllers(controllers);
  return set.length === 1 ? `${set[0] ?? ''}-controller` : 'tide-controller';
}

export { leaderElectionId } from '../../runtime/leader/id.js';

/** Flux's per-process client budget (`--kube-api-qps`, `--kube-api-burst`). */
const FLUX_QPS = 50;
const FLUX_BURST = 300;

/**
 * One process has one client and so one rate limiter for all its controllers (Kubernetes
 * Events have their own). Flux gives each controller process 50 QPS and a burst of 300;
 * sharing one limiter, N controllers get N times that by default, so together they have
 * the budget Flux's separate processes have. Explicit flags are taken as they are.
 */
export function clientDefaultsFor(controllers: readonly ControllerName[]): {
  kubeApiQps: number;
  kubeApiBurst: number;
} {
  const n = normalizeControllers(controllers).length;
  return { kubeApiQps: FLUX_QPS * n, kubeApiBurst: FLUX_BURST * n };
}

/** `--concurrent`: source-controller's default is 2, kustomize-controller's 4 (the larger when both run). */
export function concurrentDefaultFor(controllers: readonly ControllerName[]): number {
  return normalizeControllers(controllers).includes('kustomize') ? 4 : 2;
}

/**
 * The manager flags' defaults (Flux's) for this set of controllers, with overrides: what
 * a caller without a command line (the default run) starts from.
 */
export function defaultManagerOptions(
  controllers: readonly ControllerName[],
  overrides: Partial<ManagerOptions> = {},
): ManagerOptions {
  const cmd = addManagerFlags(new Command(), { concurrent: concurrentDefaultFor(controllers) });
  cmd.parse([], { from: 'user' });
  return {
    ...managerOptionsFrom(cmd, DEFAULT_RUNTIME_NAMESPACE),
    ...clientDefaultsFor(controllers),
    ...overrides,
  };
}

/**
 * Flux's default for `--storage-adv-addr`: the bind address with an empty host read as
 * `localhost` and `0.0.0.0` as the host name (HOSTNAME, which is the pod name).
 */
export function defaultStorageAdvAddr(storageAddr: string, hostname: string): string {
  const { host, port } = parseAddress(storageAddr);
  const advertised = host === undefined ? 'localhost' : host === '0.0.0.0' ? hostname : host;
  return `${advertised.includes(':') ? `[${advertised}]` : advertised}:${port}`;
}

/**
 * The artifact URLs carry the port, and storage needs them before the server listens,
 * so port 0 is resolved to a free port first (the port could be taken in between; the
 * server then fails to listen, which the caller reports).
 */
export async function resolveListenPort(addr: string): Promise<string> {
  const { host, port } = parseAddress(addr);
  if (port !== 0) return addr;
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      resolve();
    });
  });
  const free = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  const hostPart = host === undefined ? '' : host.includes(':') ? `[${host}]` : host;
  return `${hostPart}:${free}`;
}
