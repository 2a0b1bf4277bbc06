// Glob patterns of copy operations, with doublestar semantics over `/`-separated paths:
// `*` and `?` stay within one segment, `[...]` and `{a,b}` as in shells, and a `**`
// segment spans zero or more directories (`dir/**` also matches `dir` itself).
// Dotfiles are not special.

export class GlobSyntaxError extends Error {
  override readonly name = 'GlobSyntaxError';
}

const GLOB_CHARS = /[*?[{]/;

export function hasGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** The leading segments without glob characters: the directory the matches are relative to. */
export function staticPrefix(pattern: string): string {
  const segments = pattern.split('/');
  const fixed: string[] = [];
  for (const segment of segments.slice(0, -1)) {
    if (hasGlob(segment)) break;
    fixed.push(segment);
  }
  return fixed.join('/');
}

export function compileGlob(pattern: string): RegExp {
  const segments = pattern.split('/');
  let source = '';
  let afterDoubleStar = false;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      if (last) source += i === 0 ? '.*' : '(?:/.*)?';
      else source += i === 0 ? '(?:[^/]+/)*' : '/(?:[^/]+/)*';
      afterDoubleStar = !last;
      return;
    }
    source += (i === 0 || afterDoubleStar ? '' : '/') + segmentSource(segment, pattern);
    afterDoubleStar = false;
  });
  return new RegExp(`^${source}$`, 'u');
}

function segmentSource(segment: string, pattern: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charAt(i);
    if (c === '\\') {
      i++;
      if (i >= segment.length) throw new GlobSyntaxError(`pattern '${pattern}' ends with an escape`);
      out += escapeRegExp(segment.charAt(i));
    } else if (c === '*') {
      while (segment.charAt(i + 1) === '*') i++;
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = classEnd(segment, i);
      if (end < 0) throw new GlobSyntaxError(`pattern '${pattern}' has an unclosed '['`);
      out += classSource(segment.slice(i + 1, end));
      i = end;
    } else if (c === '{') {
      const end = braceEnd(segment, i);
      if (end < 0) throw new GlobSyntaxError(`pattern '${pattern}' has an unclosed '{'`);
      const alternatives = splitTopLevel(segment.slice(i + 1, end));
      out += `(?:${alternatives.map((a) => segmentSource(a, pattern)).join('|')})`;
      i = end;
    } else {
      out += escapeRegExp(c);
    }
  }
  return out;
}

function classEnd(segment: string, start: number): number {
  let i = start + 1;
  if (segment.charAt(i) === '!' || segment.charAt(i) === '^') i++;
  if (segment.charAt(i) === ']') i++;
  for (; i < segment.length; i++) {
    if (segment.charAt(i) === '\\') i++;
    else if (segment.charAt(i) === ']') return i;
  }
  return -1;
}

function classSource(body: string): string {
  const negated = body.startsWith('!') || body.startsWith('^');
  const raw = negated ? body.slice(1) : body;
  let chars = '';
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charAt(i);
    if (c === '\\') c = raw.charAt(++i);
    chars += /[\]\\^[]/.test(c) ? `\\${c}` : c;
  }
  return negated ? `[^/${chars}]` : `(?!/)[${chars}]`;
}

function braceEnd(segment: string, start: number): number {
  let depth = 0;
  for (let i = start; i < segment.length; i++) {
    const c = segment.charAt(i);
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const c = body.charAt(i);
    if (c === '\\') {
      current += c + body.charAt(i + 1);
      i++;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Exclude patterns of one copy operation. A path is excluded when a pattern matches it
 * relative to the source root or relative to the copied directory; a pattern without `/`
 * (e.g. `*.md`) also matches the base name at any depth.
 */
export class ExcludeMatcher {
  readonly #rules: { re: RegExp; anyDepth: boolean }[];

  constructor(patterns: readonly string[]) {
    this.#rules = patterns.map((p) => ({ re: compileGlob(p), anyDepth: !p.includes('/') }));
  }

  excludes(paths: readonly string[]): boolean {
    if (this.#rules.length === 0) return false;
    for (const rule of this.#rules) {
      for (const p of paths) {
        if (p === '') continue;
        if (rule.re.test(p)) return true;
        if (rule.anyDepth && rule.re.test(p.slice(p.lastIndexOf('/') + 1))) return true;
      }
    }
    return false;
  }
}
