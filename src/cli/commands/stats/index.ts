// `tide stats [-A]`: how many objects of each Tide kind there are, how many are failing
// or suspended, and the storage their artifacts take.
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import { isNotFound } from '../../../runtime/client/errors.js';
import type { CliContext } from '../../context.js';
import { addKubeFlags, type KubeFlags } from '../../kube/flags.js';
import { apiFailure, openSession, type Session } from '../../inspect/cluster.js';
import { kindStats, STATS_HEADERS, statsRow } from '../../inspect/stats-table.js';
import { NOUNS, type Noun } from '../../resources/nouns.js';
import { formatTable } from '../../ui/table.js';

interface StatsFlags extends KubeFlags {
  readonly allNamespaces?: boolean;
}

// Flux's order (sources, appliers, notification, image), with Tide's artifact kinds after the sources.
const ORDER = [
  'GitRepository',
  'OCIRepository',
  'HelmRepository',
  'HelmChart',
  'Bucket',
  'ExternalArtifact',
  'ArtifactGenerator',
  'Kustomization',
  'HelmRelease',
  'Alert',
  'Provider',
  'Receiver',
  'ImageUpdateAutomation',
  'ImagePolicy',
  'ImageRepository',
];

export function statsNouns(): Noun[] {
  const rank = (n: Noun): number => {
    const i = ORDER.indexOf(n.kind.kind);
    return i < 0 ? ORDER.length : i;
  };
  return [...NOUNS].sort((a, b) => rank(a) - rank(b));
}

export function newStatsCommand(ctx: CliContext): Command {
  return addKubeFlags(
    new Command('stats').description('Count Tide objects by kind: running, failing, suspended, storage'),
  )
    .option('-A, --all-namespaces', 'count objects in every namespace')
    .action(async (flags: StatsFlags) => {
      const s = await openSession(ctx, flags);
      const namespace = flags.allNamespaces === true ? undefined : flags.namespace;
      const nouns = statsNouns();
      const lists = await Promise.all(nouns.map((n) => listAll(s, n, namespace)));
      const rows = nouns.map((n, i) => statsRow(kindStats(n.kind.kind, lists[i] ?? [])));
      for (const line of formatTable(STATS_HEADERS, rows)) ctx.output.out(line);
    });
}

async function listAll(s: Session, noun: Noun, namespace: string | undefined): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let next: string | undefined;
  try {
    do {
      const page = await s.client.list(noun.resource, {
        namespace,
        limit: 500,
        continue: next,
        signal: s.signal,
      });
      items.push(...page.items);
      next = page.metadata.continue === '' ? undefined : page.metadata.continue;
    } while (next !== undefined);
  } catch (err) {
    // A kind whose CRD is not installed has no objects.
    if (isNotFound(err)) return [];
    throw apiFailure(err, `listing ${noun.kind.plural}`, s);
  }
  return items;
}
