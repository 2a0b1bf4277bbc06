// The objects a verb acts on: the named ones (each read, so a typo is reported with
// suggestions before anything is written) or, with --all, every one in the namespace.
import type { KubeObject } from '../../api/object.js';
import type { KubeClient } from '../../runtime/client/client.js';
import { getObject, listObjects, nameOrAll } from './lookup.js';
import type { Noun } from './nouns.js';
import type { ObjectRef } from './object-ref.js';
import { sortObjects } from './status-table.js';

export async function resolveTargets(
  client: KubeClient,
  noun: Noun,
  opts: {
    readonly verb: string;
    readonly names: readonly string[];
    readonly all?: boolean;
    readonly namespace: string;
    readonly signal?: AbortSignal;
  },
): Promise<KubeObject[]> {
  nameOrAll(`${opts.verb} ${noun.words.join(' ')}`, opts.names, opts.all);
  if (opts.all === true) {
    return sortObjects(await listObjects(client, noun, { namespace: opts.namespace, signal: opts.signal }));
  }
  const out: KubeObject[] = [];
  for (const name of new Set(opts.names)) {
    out.push(await getObject(client, noun, name, opts.namespace, opts.signal));
  }
  return out;
}

export function refOf(obj: KubeObject): ObjectRef {
  return { kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace ?? '' };
}
