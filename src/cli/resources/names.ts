// Validation of the names and labels a user types, before anything is written: the
// API server's own rules, with messages that name the flag or argument.
import { CliError, ExitCode } from '../context.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** An object name (RFC 1123 subdomain), or a usage error naming `what`. */
export function checkObjectName(name: string, what: string): string {
  if (name.length === 0 || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw new CliError(
      `${what} '${name}' is not a valid name: use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253 characters).`,
      ExitCode.usage,
    );
  }
  return name;
}

/** A namespace name (RFC 1123 label). */
export function checkNamespaceName(name: string, what: string): string {
  if (name.length === 0 || name.length > 63 || !DNS_LABEL.test(name)) {
    throw new CliError(
      `${what} '${name}' is not a valid namespace: use lower-case letters, digits and '-' (at most 63 characters).`,
      ExitCode.usage,
    );
  }
  return name;
}

function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** `--label k=v` values (repeatable, comma-separated allowed) as a label map. */
export function parseLabels(values: readonly string[], flag = '--label'): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of values.flatMap((v) => v.split(',')).filter((v) => v !== '')) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new CliError(`${flag} '${item}' must be in the form key=value.`, ExitCode.usage);
    }
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (!validLabelKey(key)) {
      throw new CliError(
        `${flag} '${item}': '${key}' is not a valid label key ([prefix/]name, name at most 63 characters of letters, digits, '-', '_', '.').`,
        ExitCode.usage,
      );
    }
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      throw new CliError(
        `${flag} '${item}': '${value}' is not a valid label value (at most 63 characters of letters, digits, '-', '_', '.').`,
        ExitCode.usage,
      );
    }
    labels[key] = value;
  }
  return labels;
}

/** Commander collector for repeatable string flags. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** Repeatable flags whose values may also be comma-separated (`--ignore-paths a,b --ignore-paths c`). */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
