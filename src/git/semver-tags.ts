// Semver selection over tags with Masterminds-like semantics (what Flux uses): tags such as
// `v1.2` parse as 1.2.0, constraints may use commas for AND, and prereleases are candidates only
// when the constraint itself mentions one.
import semver from 'semver';

// Masterminds' loose version grammar: optional `v`, one to three numeric parts, prerelease, build.
const VERSION_PATTERN =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/;

/** The tag's version, or undefined when the tag is not a version. */
export function tagVersion(tag: string): semver.SemVer | undefined {
  const match = VERSION_PATTERN.exec(tag);
  if (match === null) return undefined;
  const [, major, minor = '0', patch = '0', prerelease, build] = match;
  const text = `${major ?? '0'}.${minor}.${patch}${prerelease === undefined ? '' : `-${prerelease}`}${
    build === undefined ? '' : `+${build}`
  }`;
  return semver.parse(text) ?? undefined;
}

/** Parses a constraint; undefined when it is not a valid range. */
export function parseConstraint(constraint: string): semver.Range | undefined {
  // Masterminds separates AND-ed comparators with commas; node-semver with spaces.
  const normalized = constraint.replace(/\s*,\s*/g, ' ').trim();
  if (normalized === '') return undefined;
  try {
    return new semver.Range(normalized, { loose: true });
  } catch {
    return undefined;
  }
}

/** The tag with the highest version satisfying the range; ties go to the first name in sort order. */
export function highestMatchingTag(tags: Iterable<string>, range: semver.Range): string | undefined {
  const includePrerelease = range.set.some((comparators) =>
    comparators.some((comparator) => comparator.semver.prerelease.length > 0),
  );
  const matcher = new semver.Range(range.raw, { loose: true, includePrerelease });
  let best: { tag: string; version: semver.SemVer } | undefined;
  for (const tag of [...tags].sort()) {
    const version = tagVersion(tag);
    if (version === undefined) continue;
    if (!matcher.test(version)) continue;
    if (best === undefined || semver.compare(version, best.version) > 0) best = { tag, version };
  }
  return best?.tag;
}
