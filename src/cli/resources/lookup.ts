// Reading the objects a command names, with errors that say what to do: a missing
// object names its kind and namespace and suggests close names (or the namespace it
// is in); a missing CRD says the API is not installed.
import type { KubeObject } from '../../api/object.js';
import type { KubeClient, ListOptions } from '../../runtime/client/client.js';
import { isNotFound } from '../../runtime/client/errors.js';
import { CliError, ExitCode } from '../context.js';
import { closest, type Noun } from './nouns.js';

function notInstalled(noun: Noun): CliError {
  return new CliError(
    `the ${noun.kind.kind} API (${noun.kind.plural}.${noun.kind.group}) is not installed on this cluster; install Tide's CRDs first (tide install).`,
  );
}

/** Lists a noun's objects; a missing CRD is a clear error (or undefined with `optional`). */
export async function listObjects<T extends KubeObject>(
  client: KubeClient,
  noun: Noun,
  opts: ListOptions,
): Promise<T[]> {
  try {
    return (await client.list<T>(noun.resource, opts)).items;
  } catch (err) {
    if (isNotFound(err)) throw notInstalled(noun);
    throw err;
  }
}

/** Like listObjects, but a kind whose CRD is not installed has no objects (`get all`). */
export async function listIfInstalled<T extends KubeObject>(
  client: KubeClient,
  noun: Noun,
  opts: ListOptions,
): Promise<T[]> {
  try {
    return (await client.list<T>(noun.resource, opts)).items;
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

/** Reads one object; NotFound becomes an error that suggests close names or the right namespace. */
export async function getObject<T extends KubeObject>(
  client: KubeClient,
  noun: Noun,
  name: string,
  namespace: string,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await client.get<T>(noun.resource, name, namespace, signal);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw await notFound(client, noun, name, namespace, signal);
  }
}

/** The error for a named object that does not exist, with the closest alternatives. */
export async function notFound(
  client: KubeClient,
  noun: Noun,
  name: string,
  namespace: string,
  signal?: AbortSignal,
): Promise<CliError> {
  const here = await listObjects(client, noun, { namespace, signal });
  const base = `${noun.kind.kind} '${name}' not found in namespace ${namespace}`;
  const similar = closest(
    name,
    here.map((o) => o.metadata.name),
  );
  if (similar.length > 0) return new CliError(`${base}; did you mean ${similar.join(' or ')}?`);
  const elsewhere = await listObjects(client, noun, { fieldSelector: `metadata.name=${name}`, signal });
  const namespaces = elsewhere.map((o) => o.metadata.namespace ?? '').filter((n) => n !== '');
  if (namespaces.length > 0) {
    return new CliError(
      `${base}; it exists in namespace ${namespaces.join(', ')} (use -n ${namespaces[0] ?? ''}).`,
    );
  }
  const names = here.map((o) => o.metadata.name);
  return new CliError(
    names.length === 0
      ? `${base}; there are no ${noun.kind.kind} objects in it.`
      : `${base}; it has ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}.`,
  );
}

/** A usage error for a command that needs a name or --all and got neither (or both). */
export function nameOrAll(verb: string, names: readonly string[], all: boolean | undefined): void {
  if (names.length === 0 && all !== true) {
    throw new CliError(
      `tide ${verb} needs an object name, or --all for every object in the namespace.`,
      ExitCode.usage,
    );
  }
  if (names.length > 0 && all === true) {
    throw new CliError(`tide ${verb}: give object names or --all, not both.`, ExitCode.usage);
  }
}
