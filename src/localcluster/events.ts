// The supervisor's stdout protocol: one JSON event per line.
export interface ComponentState {
  readonly pid: number;
  readonly log: string;
}

export interface ClusterState {
  readonly pid: number;
  readonly dir: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly components: Readonly<Record<string, ComponentState>>;
  readonly startedInSeconds: number;
}

export type SupervisorEvent =
  | ({ readonly event: 'ready' } & ClusterState)
  | {
      readonly event: 'failed';
      readonly message: string;
      readonly component?: string;
      readonly log?: string;
      /** The last lines of the component's log. */
      readonly logTail?: string;
    }
  | { readonly event: 'apiserver-restarted' };

export function parseEvent(line: string): SupervisorEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'event' in value) return value as SupervisorEvent;
  } catch {
    // Not an event line.
  }
  return undefined;
}

/** Supervisor exit codes (localcluster/internal/supervisor). */
export const SupervisorExit = {
  ok: 0,
  failed: 1,
  usage: 2,
  portInUse: 3,
  dirInUse: 4,
} as const;

/** A cluster that could not start: names the component and its log. */
export class ClusterStartError extends Error {
  override readonly name = 'ClusterStartError';
  constructor(
    message: string,
    readonly details: { readonly component?: string; readonly log?: string; readonly exitCode?: number },
  ) {
    super(message);
  }
}
