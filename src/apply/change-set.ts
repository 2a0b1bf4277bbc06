// What an apply or prune did to each object, in the order it was done.

export type ApplyAction = 'created' | 'configured' | 'unchanged' | 'skipped';

export interface ChangeSetEntry {
  /** objectId of the object. */
  readonly id: string;
  /** The version part of the object's apiVersion (ResourceRef.v), e.g. `v1`. */
  readonly version: string;
  /** subjectOf the object. */
  readonly subject: string;
  readonly action: ApplyAction | 'deleted';
}

/**
 * One line per object that changed (`Kind/ns/name created`), for events and logs.
 * Unchanged and skipped objects are left out: an Ignore'd object would otherwise
 * produce an event on every reconcile (Flux reports only created, configured and deleted).
 */
export function changeSetSummary(entries: readonly ChangeSetEntry[]): string {
  return entries
    .filter((e) => e.action === 'created' || e.action === 'configured' || e.action === 'deleted')
    .map((e) => `${e.subject} ${e.action}`)
    .join('\n');
}
