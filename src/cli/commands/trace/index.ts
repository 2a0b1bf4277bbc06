// `tide trace`: which Kustomization or HelmRelease applied an object, from which
// source and revision, and how each of them is doing.
//   tide trace deployment/podinfo -n apps
//   tide trace deployment podinfo -n apps
//   tide trace podinfo --kind Deployment --api-version apps/v1 -n apps
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import type { ResourceType } from '../../../runtime/client/resource.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { addKubeFlags, type KubeFlags } from '../../kube/flags.js';
import { ApiResources } from '../../inspect/api-resources.js';
import { apiFailure, findFluxObject, openSession, type Session } from '../../inspect/cluster.js';
import { renderTrace } from '../../inspect/trace-report.js';
import { traceObject } from './chain.js';

interface TraceFlags extends KubeFlags {
  readonly kind?: string;
  readonly apiVersion?: string;
}

/** What to read: a resource word or a kind+apiVersion, and a name. */
export type Target =
  | { readonly word: string; readonly name: string }
  | { readonly kind: string; readonly apiVersion: string; readonly name: string };

const USAGE = 'give <kind>/<name>, <kind> <name>, or <name> with --kind and --api-version';

export function parseTargets(
  args: readonly string[],
  flags: Pick<TraceFlags, 'kind' | 'apiVersion'>,
): Target[] {
  if (args.length === 0) throw new CliError(`trace needs an object: ${USAGE}`, ExitCode.usage);
  if (flags.kind !== undefined || flags.apiVersion !== undefined) {
    if (flags.kind === undefined)
      throw new CliError('--api-version needs --kind (e.g. --kind Deployment)', ExitCode.usage);
    if (flags.apiVersion === undefined)
      throw new CliError('--kind needs --api-version (e.g. --api-version apps/v1)', ExitCode.usage);
    const { kind, apiVersion } = flags;
    return args.map((name) => {
      if (name.includes('/'))
        throw new CliError(`'${name}': with --kind, give the name alone`, ExitCode.usage);
      return { kind, apiVersion, name };
    });
  }
  if (args.every((a) => a.includes('/'))) {
    return args.map((a) => {
      const slash = a.indexOf('/');
      const word = a.slice(0, slash);
      const name = a.slice(slash + 1);
      if (word === '' || name === '' || name.includes('/'))
        throw new CliError(`'${a}' is not <kind>/<name>: ${USAGE}`, ExitCode.usage);
      return { word, name };
    });
  }
  const [word, ...names] = args;
  if (word === undefined || names.length === 0 || names.some((n) => n.includes('/')))
    throw new CliError(`'${args.join(' ')}' names no object: ${USAGE}`, ExitCode.usage);
  return names.map((name) => ({ word, name }));
}

export function newTraceCommand(ctx: CliContext): Command {
  return addKubeFlags(
    new Command('trace')
      .description(
        'Show which Kustomization or HelmRelease manages an object, and from which source and revision',
      )
      .argument('<object...>', '<kind>/<name>, <kind> <name>, or <name> with --kind and --api-version'),
  )
    .option('--kind <kind>', 'kind of the object, e.g. Deployment (with --api-version)')
    .option('--api-version <apiVersion>', 'API version of the object, e.g. apps/v1 (with --kind)')
    .action(async (args: string[], flags: TraceFlags) => {
      const targets = parseTargets(args, flags);
      const s = await openSession(ctx, flags);
      const resources = await ApiResources.read(s.client, s.signal).catch((err: unknown) => {
        throw apiFailure(err, 'reading the API resources the server serves', s);
      });
      const failures: string[] = [];
      for (const [i, target] of targets.entries()) {
        if (i > 0) ctx.output.out('---');
        try {
          const resource =
            'word' in target
              ? resources.resolveWord(target.word)
              : resources.resolveKind(target.kind, target.apiVersion);
          const object = await readObject(s, resource, target.name, flags.namespace);
          const trace = await traceObject((kind, n, ns) => findFluxObject(s, kind, n, ns), object);
          for (const line of renderTrace(trace)) ctx.output.out(line);
          const missing = trace.links.find((l) => l.object === undefined);
          if (missing !== undefined) {
            throw new CliError(
              `${missing.kind} ${missing.namespace}/${missing.name}, which ${object.kind}/${object.metadata.name} traces to, does not exist`,
            );
          }
        } catch (err) {
          if (!(err instanceof CliError) || targets.length === 1) throw err;
          ctx.output.err(`✗ ${err.message}`);
          failures.push(target.name);
        }
      }
      if (failures.length > 0) {
        throw new CliError(
          `could not trace ${failures.length} of ${targets.length} objects: ${failures.join(', ')}`,
        );
      }
    });
}

async function readObject(
  s: Session,
  resource: ResourceType,
  name: string,
  namespace: string,
): Promise<KubeObject> {
  const ns = resource.namespaced ? namespace : undefined;
  const where = ns === undefined ? name : `${ns}/${name}`;
  try {
    return await s.client.get(resource, name, ns, s.signal);
  } catch (err) {
    if (isNotFound(err))
      throw new CliError(
        `${resource.kind} ${where} not found${ns === undefined ? '' : ' (choose the namespace with -n)'}`,
      );
    throw apiFailure(err, `reading ${resource.kind} ${where}`, s);
  }
}
