// Validation of an ArtifactGenerator spec into a plan the builder can follow without
// further checks: aliases resolved, paths normalized and proven to stay inside their
// roots, globs compiled. Every failure names the artifact and the field; all of them
// are misconfigurations (Stalled) that only a spec change can fix.
import type {
  ArtifactGeneratorSpec,
  CopyOperation,
} from '../../../api/sourceextensions/artifactgenerator.js';
import { GlobSyntaxError, compileGlob, hasGlob } from './glob.js';

export type CopyStrategy = NonNullable<CopyOperation['strategy']>;

export interface CopyPlan {
  readonly field: string;
  readonly from: string;
  readonly to: string;
  readonly alias: string;
  /** Normalized relative path or glob inside the source; '' is the source root. */
  readonly pattern: string;
  readonly glob: boolean;
  /** Normalized relative path inside the artifact; '' is the artifact root. */
  readonly dest: string;
  /** `to` ends with `/` (or is the root): copy into that directory. */
  readonly destIsDir: boolean;
  readonly exclude: readonly string[];
  readonly strategy: CopyStrategy;
}

export interface ArtifactPlan {
  readonly name: string;
  readonly revisionAlias?: string | undefined;
  readonly originRevisionAlias?: string | undefined;
  readonly copies: readonly CopyPlan[];
}

export class SpecError extends Error {
  override readonly name = 'SpecError';
}

const FROM = /^@([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)\/(.*)$/s;
const TO = /^@artifact\/(.*)$/s;
const ALIAS_REF = /^@([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Normalizes a `/`-separated relative path, or returns undefined when it is absolute,
 * climbs out with `..`, or holds a NUL.
 */
export function containedPath(value: string): string | undefined {
  if (value.startsWith('/') || value.includes('\0')) return undefined;
  const segments: string[] = [];
  for (const segment of value.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return undefined;
    segments.push(segment);
  }
  return segments.join('/');
}

export function planArtifacts(spec: ArtifactGeneratorSpec): ArtifactPlan[] {
  if (spec.pathPattern !== undefined) {
    throw new SpecError('spec.pathPattern is not supported by this controller yet');
  }
  const aliases = new Set<string>();
  for (const [i, source] of spec.sources.entries()) {
    if (aliases.has(source.alias)) {
      throw new SpecError(`spec.sources[${i}].alias '${source.alias}' is used by more than one source`);
    }
    aliases.add(source.alias);
  }
  const names = new Set<string>();
  return spec.artifacts.map((artifact, i) => {
    const at = `artifact '${artifact.name}': spec.artifacts[${i}]`;
    if (artifact.name.length > 253 || !DNS_SUBDOMAIN.test(artifact.name)) {
      throw new SpecError(`${at}.name must be a valid object name`);
    }
    if (names.has(artifact.name)) throw new SpecError(`${at}.name is used by more than one artifact`);
    names.add(artifact.name);
    return {
      name: artifact.name,
      revisionAlias: aliasRef(artifact.revision, `${at}.revision`, aliases),
      originRevisionAlias: aliasRef(artifact.originRevision, `${at}.originRevision`, aliases),
      copies: artifact.copy.map((op, j) =>
        planCopy(op, `spec.artifacts[${i}].copy[${j}]`, `artifact '${artifact.name}': `, aliases),
      ),
    };
  });
}

function aliasRef(
  value: string | undefined,
  field: string,
  aliases: ReadonlySet<string>,
): string | undefined {
  if (value === undefined) return undefined;
  const alias = ALIAS_REF.exec(value)?.[1];
  if (alias === undefined) throw new SpecError(`${field} '${value}' must be '@<alias>'`);
  if (!aliases.has(alias)) throw new SpecError(`${field} '${value}' names no source alias`);
  return alias;
}

function planCopy(op: CopyOperation, field: string, who: string, aliases: ReadonlySet<string>): CopyPlan {
  const from = FROM.exec(op.from);
  const alias = from?.[1];
  const rawPattern = from?.[2];
  if (alias === undefined || rawPattern === undefined) {
    throw new SpecError(`${who}${field}.from '${op.from}' must be '@<alias>/<path or glob>'`);
  }
  if (!aliases.has(alias))
    throw new SpecError(`${who}${field}.from '${op.from}' names no source alias '${alias}'`);
  const pattern = containedPath(rawPattern);
  if (pattern === undefined) {
    throw new SpecError(
      `${who}${field}.from '${op.from}' must be a relative path that stays inside the source`,
    );
  }
  const rawDest = TO.exec(op.to)?.[1];
  if (rawDest === undefined) throw new SpecError(`${who}${field}.to '${op.to}' must be '@artifact/<path>'`);
  const dest = containedPath(rawDest);
  if (dest === undefined) {
    throw new SpecError(
      `${who}${field}.to '${op.to}' must be a relative path that stays inside the artifact`,
    );
  }
  const exclude = op.exclude ?? [];
  for (const [k, pattern] of [
    [`from`, rawPattern] as const,
    ...exclude.map((e, n) => [`exclude[${n}]`, e] as const),
  ]) {
    try {
      compileGlob(pattern);
    } catch (err) {
      if (!(err instanceof GlobSyntaxError)) throw err;
      throw new SpecError(`${who}${field}.${k}: ${err.message}`);
    }
  }
  return {
    field,
    from: op.from,
    to: op.to,
    alias,
    pattern,
    glob: hasGlob(pattern),
    dest,
    destIsDir: dest === '' || rawDest.endsWith('/'),
    exclude,
    strategy: op.strategy ?? 'Overwrite',
  };
}
