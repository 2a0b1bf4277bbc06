// The Lease name of a controller: one per controller, and one per shard.
import { createHash } from 'node:crypto';

/**
 * Flux's Lease name: `<name>-leader-election`, and with --watch-label-selector the first 4
 * bytes of sha256(selector) appended in hex, so each shard elects its own leader
 * (fluxcd/pkg runtime/leaderelection GenerateID). The manager uses it for its Lease.
 */
export function leaderElectionId(name: string, watchLabelSelector?: string): string {
  const base = `${name}-leader-election`;
  if (watchLabelSelector === undefined || watchLabelSelector === '') return base;
  return `${base}-${createHash('sha256').update(watchLabelSelector).digest('hex').slice(0, 8)}`;
}
