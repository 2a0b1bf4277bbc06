// --status-selector type=status (e.g. ready=false): objects whose condition of that
// type has that status, both compared case-insensitively as the flux CLI does.
import type { KubeObject } from '../../../api/object.js';
import { CliError, ExitCode } from '../../context.js';
import { statusOf } from '../../resources/status.js';

export interface StatusSelector {
  readonly type: string;
  readonly status: string;
}

export function parseStatusSelector(value: string | undefined): StatusSelector | undefined {
  if (value === undefined) return undefined;
  const eq = value.indexOf('=');
  const type = value.slice(0, eq).trim();
  const status = value.slice(eq + 1).trim();
  if (eq <= 0 || type === '' || status === '') {
    throw new CliError(
      `--status-selector '${value}' must be in the form type=status, e.g. ready=false.`,
      ExitCode.usage,
    );
  }
  return { type, status };
}

export function matchesStatus(obj: KubeObject, selector: StatusSelector | undefined): boolean {
  if (selector === undefined) return true;
  const condition = (statusOf(obj).conditions ?? []).find(
    (c) => c.type.toLowerCase() === selector.type.toLowerCase(),
  );
  return condition !== undefined && condition.status.toLowerCase() === selector.status.toLowerCase();
}
