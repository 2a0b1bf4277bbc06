// The pure half of `tide check`: the Kubernetes version rule and the report layout
// (Flux's: a ► line per section, ✔ or ✗ per finding).

/**
 * The oldest Kubernetes Tide supports, as Flux 2.7+: CRD validation rules (CEL,
 * GA in 1.29) are in every Tide CRD, and the runtime reads API discovery in the
 * aggregated v2 format (GA in 1.30).
 */
export const MIN_KUBERNETES_VERSION = '1.30.0';

export interface KubeVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** `v1.36.3`, `v1.30.2-eks-2d98532`, `v1.29.0+k3s1`, `1.31` → numbers; undefined if unreadable. */
export function parseKubernetesVersion(text: string): KubeVersion | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3] ?? '0') };
}

export function compareVersions(a: KubeVersion, b: KubeVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function formatVersion(v: KubeVersion): string {
  return `${String(v.major)}.${String(v.minor)}.${String(v.patch)}`;
}

export type CheckStatus = 'ok' | 'failed' | 'info';

export interface CheckEntry {
  readonly status: CheckStatus;
  readonly message: string;
}

export interface CheckSection {
  /** What is checked: "prerequisites", "controllers", "crds". */
  readonly title: string;
  readonly entries: readonly CheckEntry[];
}

export const ok = (message: string): CheckEntry => ({ status: 'ok', message });
export const failed = (message: string): CheckEntry => ({ status: 'failed', message });
export const info = (message: string): CheckEntry => ({ status: 'info', message });

/** The server's version against the minimum, as one finding (prerelease builds count as their release). */
export function kubernetesVersionEntry(gitVersion: string, minimum = MIN_KUBERNETES_VERSION): CheckEntry {
  const min = parseKubernetesVersion(minimum);
  const v = parseKubernetesVersion(gitVersion);
  if (min === undefined) throw new Error(`bad minimum Kubernetes version ${minimum}`);
  if (v === undefined)
    return failed(`cannot read the Kubernetes version '${gitVersion}' the API server reports`);
  const text = `Kubernetes ${formatVersion(v)} >=${formatVersion(min)}`;
  return compareVersions(v, min) >= 0
    ? ok(text)
    : failed(
        `${text} (this cluster is older than Tide supports: upgrade it to ${formatVersion(min)} or later)`,
      );
}

export function countFailed(sections: readonly CheckSection[]): number {
  return sections.reduce((n, s) => n + s.entries.filter((e) => e.status === 'failed').length, 0);
}

export interface ReportStyle {
  green(text: string): string;
  red(text: string): string;
}

/** One line per section title and finding. */
export function formatCheckReport(sections: readonly CheckSection[], s: ReportStyle): string[] {
  const lines: string[] = [];
  for (const section of sections) {
    lines.push(`► checking ${section.title}`);
    for (const entry of section.entries) {
      const mark = entry.status === 'ok' ? s.green('✔') : entry.status === 'failed' ? s.red('✗') : '►';
      lines.push(`${mark} ${entry.message}`);
    }
  }
  return lines;
}
