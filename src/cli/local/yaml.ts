// Objects as a multi-document YAML stream, the way `tide build` prints them.
import { stringify } from 'yaml';

export function toYamlStream(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
