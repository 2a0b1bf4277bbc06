// Recognizing "this field cannot change" in the API server's answer: built-in
// validation ("field is immutable", "may not change once set"), StatefulSet's
// "updates to statefulset spec ... are forbidden", immutable Secrets and
// ConfigMaps, and CEL rules or webhooks that say "immutable".

const IMMUTABLE = [
  /field is immutable/i,
  /\bis immutable\b/i,
  /\bimmutable field\b/i,
  /may not change once set/i,
  /may not be changed/i,
  /cannot be changed/i,
  /updates to [\w ]+ for fields other than .* are forbidden/i,
];

// A cause starts with a field path followed by the kind of problem.
const CAUSE_START =
  /(?:^|is invalid: \[?|, )([A-Za-z][\w.[\]/-]*): (?=Invalid value|Required value|Unsupported value|Forbidden|Duplicate value|Not found|Too long|Too many|Internal error)/g;

function isImmutableText(text: string): boolean {
  return IMMUTABLE.some((re) => re.test(text));
}

/**
 * The field an immutable-field error names (e.g. `spec.selector`); the empty
 * string when the text says immutable without naming a field; undefined when
 * it is not an immutable-field error.
 */
export function immutableField(text: string): string | undefined {
  const starts = [...text.matchAll(CAUSE_START)];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i];
    if (start === undefined) continue;
    const end = starts[i + 1]?.index ?? text.length;
    if (isImmutableText(text.slice(start.index, end))) return start[1] ?? '';
  }
  return isImmutableText(text) ? '' : undefined;
}
