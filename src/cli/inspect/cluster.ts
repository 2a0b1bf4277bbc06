// Cluster access shared by the inspection commands: one signal bounded by
// --timeout, Flux objects read by noun with "did you mean" for a wrong name, and
// API or connection failures turned into one readable message.
import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { ApiError, isNotFound } from '../../runtime/client/errors.js';
import { CliError, ExitCode, type CliContext } from '../context.js';
import { kubeFrom, type Kube, type KubeFlags } from '../kube/flags.js';
import { closest, nounForKind, type Noun } from '../resources/nouns.js';

export interface Session extends Kube {
  /** Aborts on Ctrl-C and when --timeout runs out. */
  readonly signal: AbortSignal;
  readonly server: URL;
}

export async function openSession(ctx: CliContext, flags: KubeFlags): Promise<Session> {
  const kube = await kubeFrom(ctx, flags);
  return { ...kube, signal: sessionSignal(ctx, flags.timeout), server: kube.client.server };
}

/**
 * Ctrl-C, and --timeout when given. Every request in flight listens on it, and a command
 * may send dozens at once: Node's warning about many listeners does not apply.
 */
export function sessionSignal(ctx: CliContext, timeoutMs?: number): AbortSignal {
  const signal = AbortSignal.any(
    timeoutMs === undefined ? [ctx.signal] : [ctx.signal, AbortSignal.timeout(timeoutMs)],
  );
  setMaxListeners(0, signal);
  return signal;
}

/** A session for streaming commands (--watch, --follow): only Ctrl-C ends them. */
export async function openStreamingSession(ctx: CliContext, flags: KubeFlags): Promise<Session> {
  const kube = await kubeFrom(ctx, flags);
  return { ...kube, signal: sessionSignal(ctx), server: kube.client.server };
}

/** The message for a failed request, naming what was being done and the server. */
export function apiFailure(
  err: unknown,
  doing: string,
  opts: { readonly signal?: AbortSignal; readonly server?: URL } = {},
): CliError {
  if (err instanceof CliError) return err;
  if (opts.signal?.aborted === true) {
    const reason: unknown = opts.signal.reason;
    return reason instanceof Error && reason.name === 'TimeoutError'
      ? new CliError(`${doing}: timed out (raise --timeout)`, ExitCode.timeout)
      : new CliError(`${doing}: interrupted`);
  }
  if (err instanceof ApiError) {
    const hint =
      err.status === 401 || err.status === 403
        ? '\n  Check that the kubeconfig user may read these objects.'
        : '';
    return new CliError(`${doing}: ${err.message}${hint}`);
  }
  const where = opts.server === undefined ? '' : ` (${opts.server.origin})`;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`${doing}: cannot reach the API server${where}: ${message}`, ExitCode.noCluster);
}

/** Reads a Flux object; NotFound names the object and the close names in its namespace. */
export async function getFluxObject(
  s: Pick<Session, 'client' | 'signal' | 'server'>,
  noun: Noun,
  name: string,
  namespace: string,
): Promise<KubeObject> {
  try {
    return await s.client.get(noun.resource, name, namespace, s.signal);
  } catch (err) {
    if (!isNotFound(err)) throw apiFailure(err, `reading ${noun.kind.kind} ${namespace}/${name}`, s);
  }
  const names = await listNames(s.client, noun, namespace, s.signal);
  const near = closest(name, names);
  const hint =
    near.length > 0
      ? `; did you mean ${near.join(', ')}?`
      : names.length === 0
        ? `; there are no ${noun.kind.kind} objects in ${namespace} (choose another with -n)`
        : '';
  throw new CliError(`${noun.kind.kind} ${namespace}/${name} not found${hint}`);
}

async function listNames(
  client: KubeClient,
  noun: Noun,
  namespace: string,
  signal: AbortSignal,
): Promise<string[]> {
  try {
    const list = await client.list(noun.resource, { namespace, metadataOnly: true, signal });
    return list.items.map((i) => i.metadata.name);
  } catch {
    return [];
  }
}

/** Reads any Flux object by kind; undefined when it (or its CRD) does not exist. */
export async function findFluxObject(
  s: Pick<Session, 'client' | 'signal' | 'server'>,
  kind: string,
  name: string,
  namespace: string,
): Promise<KubeObject | undefined> {
  const noun = nounForKind(kind);
  if (noun === undefined) return undefined;
  try {
    return await s.client.get(
      noun.resource,
      name,
      noun.resource.namespaced ? namespace : undefined,
      s.signal,
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw apiFailure(err, `reading ${kind} ${namespace}/${name}`, s);
  }
}
