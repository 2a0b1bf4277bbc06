// Which Events `tide events` reads: those of Flux objects in a namespace, or of one
// object (`--for Kind/name`) together with the objects it reads from (its source, its
// HelmChart), as Flux does; and reading them, once or as a watch.
import type { KubeObject } from '../../../api/object.js';
import { stringAt } from '../../../health/fields.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isGone } from '../../../runtime/client/errors.js';
import { CoreResources } from '../../../runtime/client/resource.js';
import type { WatchEvent } from '../../../runtime/client/watch.js';
import { CliError, ExitCode } from '../../context.js';
import { closest, kindWords, nounForKindWord, type Noun } from '../../resources/nouns.js';

export interface EventQuery {
  /** Undefined: every namespace. */
  readonly namespace: string | undefined;
  readonly fieldSelector?: string;
}

export interface ForSelector {
  readonly noun: Noun;
  readonly name?: string;
}

/** `--for Kustomization/podinfo`, `--for ks/podinfo`, `--for gitrepository`. */
export function parseFor(value: string): ForSelector {
  const slash = value.indexOf('/');
  const word = slash < 0 ? value : value.slice(0, slash);
  const name = slash < 0 ? undefined : value.slice(slash + 1);
  if (word === '' || name === '' || name?.includes('/') === true) {
    throw new CliError(
      `--for takes <kind>[/<name>], e.g. Kustomization/podinfo; got '${value}'`,
      ExitCode.usage,
    );
  }
  const noun = nounForKindWord(word);
  if (noun === undefined) {
    const near = closest(word, kindWords());
    throw new CliError(
      `--for: '${word}' is not a Tide kind${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}`,
      ExitCode.usage,
    );
  }
  return name === undefined ? { noun } : { noun, name };
}

const EVENT_TYPES = ['Normal', 'Warning'] as const;

/** `--types Normal,warning` → ['Normal', 'Warning']. */
export function parseTypes(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .filter((v) => v.trim() !== '')
    .map((v) => {
      const t = EVENT_TYPES.find((known) => known.toLowerCase() === v.trim().toLowerCase());
      if (t === undefined) {
        throw new CliError(`--types: '${v}' is not an event type; use Normal or Warning`, ExitCode.usage);
      }
      return t;
    });
}

export function selectorFor(kind: string, name?: string): string {
  return name === undefined ? `regarding.kind=${kind}` : `regarding.kind=${kind},regarding.name=${name}`;
}

interface Ref {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

function refAt(obj: KubeObject, path: string, kind?: string): Ref | undefined {
  const k = kind ?? stringAt(obj, `${path}.kind`);
  const name = stringAt(obj, `${path}.name`);
  if (k === '' || name === '') return undefined;
  return { kind: k, name, namespace: stringAt(obj, `${path}.namespace`, obj.metadata.namespace ?? '') };
}

/** The objects whose events belong with obj's: what it reads from. */
export function relatedObjects(obj: KubeObject): Ref[] {
  const ns = obj.metadata.namespace ?? '';
  const refs: (Ref | undefined)[] = [];
  switch (obj.kind) {
    case 'Kustomization':
    case 'HelmChart':
      refs.push(refAt(obj, 'spec.sourceRef'));
      break;
    case 'HelmRelease': {
      const chartRef = refAt(obj, 'spec.chartRef');
      if (chartRef !== undefined) {
        refs.push(chartRef);
        break;
      }
      const source = refAt(obj, 'spec.chart.spec.sourceRef');
      refs.push(source);
      // The HelmChart the controller creates for spec.chart.
      refs.push({
        kind: 'HelmChart',
        name: `${ns}-${obj.metadata.name}`,
        namespace: source?.namespace ?? ns,
      });
      break;
    }
    case 'ImagePolicy':
      refs.push(refAt(obj, 'spec.imageRepositoryRef', 'ImageRepository'));
      break;
    case 'Alert':
      refs.push(refAt(obj, 'spec.providerRef', 'Provider'));
      break;
    default:
      break;
  }
  return refs.filter((r): r is Ref => r !== undefined);
}

export interface ListedEvents {
  readonly items: unknown[];
  readonly resourceVersion: string;
}

export async function listEvents(
  client: KubeClient,
  q: EventQuery,
  signal: AbortSignal,
): Promise<ListedEvents> {
  const items: unknown[] = [];
  let next: string | undefined;
  let resourceVersion = '';
  do {
    const page = await client.list(CoreResources.Event, {
      namespace: q.namespace,
      fieldSelector: q.fieldSelector,
      limit: 500,
      continue: next,
      signal,
    });
    items.push(...page.items);
    resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
    next = page.metadata.continue === '' ? undefined : page.metadata.continue;
  } while (next !== undefined);
  return { items, resourceVersion };
}

/**
 * Streams Events added or updated after resourceVersion until the signal aborts; a
 * watch the server closes is reopened where it ended, an expired one (410) after a
 * fresh list whose events are passed on too (the caller drops repeats).
 */
export async function watchEvents(
  client: KubeClient,
  q: EventQuery,
  from: string,
  signal: AbortSignal,
  onEvent: (event: unknown) => void,
): Promise<void> {
  let resourceVersion = from;
  // A function, so the compiler does not take the loop condition's value as fixed.
  const stopped = (): boolean => signal.aborted;
  while (!stopped()) {
    let stream: AsyncIterable<WatchEvent>;
    try {
      stream = await client.watch(CoreResources.Event, {
        namespace: q.namespace,
        fieldSelector: q.fieldSelector,
        resourceVersion,
        allowWatchBookmarks: true,
        signal,
      });
    } catch (err) {
      if (stopped()) return;
      if (!isGone(err)) throw err;
      resourceVersion = await relist(client, q, signal, onEvent);
      continue;
    }
    for await (const ev of stream) {
      if (ev.type === 'ERROR') {
        if (ev.object.code !== 410) throw new Error(`watching events: ${ev.object.message ?? 'error'}`);
        resourceVersion = await relist(client, q, signal, onEvent);
        break;
      }
      resourceVersion = ev.object.metadata.resourceVersion ?? resourceVersion;
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onEvent(ev.object);
    }
  }
}

async function relist(
  client: KubeClient,
  q: EventQuery,
  signal: AbortSignal,
  onEvent: (event: unknown) => void,
): Promise<string> {
  const listed = await listEvents(client, q, signal);
  for (const item of listed.items) onEvent(item);
  return listed.resourceVersion;
}
