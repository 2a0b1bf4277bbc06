// `get -w`: the table, then one row per change of an object until Ctrl-C (ctx.signal).
// Rows keep the columns of the first table; a closed watch is resumed from the last
// resourceVersion, an expired one (410) re-lists.
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeObject } from '../../../api/object.js';
import type { KubeClient } from '../../../runtime/client/client.js';
import { isGone } from '../../../runtime/client/errors.js';
import type { CliContext } from '../../context.js';
import { listObjects } from '../../resources/lookup.js';
import type { Noun } from '../../resources/nouns.js';
import { sortObjects, statusHeaders, statusRow } from '../../resources/status-table.js';
import { formatTable } from '../../ui/table.js';
import { tableOptions, type GetFlags } from './flags.js';
import { matchesStatus, type StatusSelector } from './status-selector.js';

export async function watchNoun(
  ctx: CliContext,
  client: KubeClient,
  noun: Noun,
  name: string | undefined,
  flags: GetFlags,
  selector: StatusSelector | undefined,
): Promise<void> {
  const scope = {
    ...(flags.allNamespaces === true ? {} : { namespace: flags.namespace }),
    labelSelector: flags.labelSelector,
    fieldSelector: name === undefined ? undefined : `metadata.name=${name}`,
  };
  const headers = statusHeaders(tableOptions(flags));
  const anchor: string[][] = [];
  let headerPrinted = !flags.header;
  const print = (obj: KubeObject): void => {
    if (!matchesStatus(obj, selector)) return;
    const row = statusRow(obj, tableOptions(flags));
    const lines = formatTable(headers, [...anchor, row], { noHeader: headerPrinted });
    // The first rows fix the column widths; later rows are aligned to them.
    if (!headerPrinted) {
      for (const line of lines.slice(0, -1)) ctx.output.out(line);
      headerPrinted = true;
    }
    ctx.output.out(lines[lines.length - 1] ?? '');
  };

  const relist = async (): Promise<string> => {
    const list = await client.list(noun.resource, { ...scope, signal: ctx.signal });
    const items = sortObjects(list.items.filter((o) => matchesStatus(o, selector)));
    if (anchor.length === 0) anchor.push(...items.map((o) => statusRow(o, tableOptions(flags))));
    for (const item of items) print(item);
    return list.metadata.resourceVersion ?? '';
  };

  await listObjects(client, noun, { ...scope, limit: 1, signal: ctx.signal });
  let resourceVersion = await relist();
  if (anchor.length === 0) {
    ctx.output.err(`no ${noun.kind.kind} objects found yet; watching for changes (Ctrl-C to stop)`);
  }
  const stopped = (): boolean => ctx.signal.aborted;
  while (!stopped()) {
    try {
      const events = await client.watch(noun.resource, {
        ...scope,
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: 300,
        signal: ctx.signal,
      });
      for await (const event of events) {
        if (event.type === 'ERROR') {
          if (event.object.code === 410) resourceVersion = await relist();
          break;
        }
        resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
        if (event.type !== 'BOOKMARK') print(event.object);
      }
    } catch (err) {
      if (stopped()) break;
      if (isGone(err)) {
        resourceVersion = await relist();
        continue;
      }
      // A dropped connection: try again shortly.
      await sleep(1000, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  }
}
