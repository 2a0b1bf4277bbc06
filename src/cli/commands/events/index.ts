// `tide events`: the Kubernetes Events of Tide objects, oldest first.
//   tide events [-A] [--for Kind[/name]] [--types Normal,Warning] [-w]
import { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { addKubeFlags, type KubeFlags } from '../../kube/flags.js';
import {
  apiFailure,
  getFluxObject,
  openSession,
  openStreamingSession,
  type Session,
} from '../../inspect/cluster.js';
import {
  eventHeaders,
  eventRow,
  eventView,
  eventWanted,
  sortEvents,
  type EventView,
} from '../../inspect/events-table.js';
import { RowPrinter } from '../../inspect/row-printer.js';
import { NOUNS } from '../../resources/nouns.js';
import {
  listEvents,
  parseFor,
  parseTypes,
  relatedObjects,
  selectorFor,
  watchEvents,
  type EventQuery,
} from './queries.js';

interface EventsFlags extends KubeFlags {
  readonly allNamespaces?: boolean;
  readonly watch?: boolean;
  readonly for?: string;
  readonly types?: string[];
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function newEventsCommand(ctx: CliContext): Command {
  return addKubeFlags(new Command('events').description('Show the Kubernetes events of Tide objects'))
    .option('-A, --all-namespaces', 'events of objects in every namespace')
    .option('-w, --watch', 'keep printing new events until Ctrl-C')
    .option('--for <kind[/name]>', 'events of one object (and of the objects it reads from), or of one kind')
    .option(
      '--types <types>',
      'only these event types: Normal, Warning (comma-separated or repeated)',
      collect,
    )
    .action(async (flags: EventsFlags) => {
      const selector = flags.for === undefined ? undefined : parseFor(flags.for);
      const types = new Set(parseTypes(flags.types ?? []));
      const s = flags.watch === true ? await openStreamingSession(ctx, flags) : await openSession(ctx, flags);
      const namespace = flags.allNamespaces === true ? undefined : flags.namespace;
      const queries: EventQuery[] = [
        {
          namespace,
          ...(selector === undefined
            ? {}
            : { fieldSelector: selectorFor(selector.noun.kind.kind, selector.name) }),
        },
      ];
      if (selector?.name !== undefined) {
        const obj = await getFluxObject(s, selector.noun, selector.name, flags.namespace);
        for (const ref of relatedObjects(obj)) {
          queries.push({ namespace: ref.namespace, fieldSelector: selectorFor(ref.kind, ref.name) });
        }
      }
      const showNamespace = queries.some((q) => q.namespace !== flags.namespace);
      const filter = { kinds: new Set(NOUNS.map((n) => n.kind.kind)), types };
      const wanted = (e: EventView): boolean => eventWanted(e, filter);
      const printer = new RowPrinter(eventHeaders(showNamespace));
      const seen = new Set<string>();
      const fresh = (e: EventView): boolean => {
        const key = `${e.uid}/${e.count}/${e.lastSeen}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      };
      const print = (events: readonly EventView[]): void => {
        const now = Date.now();
        for (const line of printer.lines(events.map((e) => eventRow(e, now, showNamespace))))
          ctx.output.out(line);
      };

      const listed = await Promise.all(
        queries.map((q) =>
          listEvents(s.client, q, s.signal).catch((err: unknown) => {
            throw apiFailure(err, 'listing events', s);
          }),
        ),
      );
      const initial = sortEvents(listed.flatMap((l) => l.items.map(eventView)).filter(wanted)).filter(fresh);
      if (initial.length > 0) print(initial);
      else if (flags.watch !== true) {
        ctx.output.err(
          namespace === undefined ? 'no events found' : `no events found in namespace ${namespace}`,
        );
      }
      if (flags.watch !== true) return;
      await watchAll(
        s,
        queries,
        listed.map((l) => l.resourceVersion),
        (raw) => {
          const e = eventView(raw);
          if (wanted(e) && fresh(e)) print([e]);
        },
      );
    });
}

async function watchAll(
  s: Session,
  queries: readonly EventQuery[],
  from: readonly string[],
  onEvent: (raw: unknown) => void,
): Promise<void> {
  await Promise.all(
    queries.map((q, i) =>
      watchEvents(s.client, q, from[i] ?? '', s.signal, onEvent).catch((err: unknown) => {
        throw apiFailure(err, 'watching events', s);
      }),
    ),
  );
}
