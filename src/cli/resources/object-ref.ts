// References to Flux objects as the CLI prints and parses them: `Kind ns/name` in
// messages, `[Kind/]name[.namespace]` in flags (--source, --health-check).
import { CliError, ExitCode } from '../context.js';
import { closest } from './nouns.js';

export interface ObjectRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** `Kustomization flux-system/podinfo`: how messages name an object. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

export interface KindRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * Parses `[Kind/]name[.namespace]`. Namespaces cannot contain dots, names can, so the
 * namespace is what follows the last dot. The kind is matched case-insensitively
 * against `kinds` and returned in its canonical spelling.
 */
export function parseKindRef(
  value: string,
  opts: {
    readonly flag: string;
    readonly kinds: readonly string[];
    readonly defaultKind?: string;
    readonly requireNamespace?: boolean;
    /** Other spellings of a kind (`ks`, `gitrepo`) to the canonical one. */
    readonly alias?: (word: string) => string | undefined;
  },
): KindRef {
  const format = `${opts.defaultKind === undefined ? '<kind>/' : '[<kind>/]'}<name>${opts.requireNamespace === true ? '.<namespace>' : '[.<namespace>]'}`;
  const slash = value.indexOf('/');
  const kindWord = slash < 0 ? opts.defaultKind : value.slice(0, slash);
  const rest = slash < 0 ? value : value.slice(slash + 1);
  if (kindWord === undefined || kindWord === '' || rest === '' || rest.includes('/')) {
    throw new CliError(`${opts.flag} '${value}' must be in the format '${format}'.`, ExitCode.usage);
  }
  const canonical = opts.alias?.(kindWord) ?? kindWord;
  const kind = opts.kinds.find((k) => k.toLowerCase() === canonical.toLowerCase());
  if (kind === undefined) {
    const hint = closest(kindWord, opts.kinds);
    throw new CliError(
      `${opts.flag} '${value}': unknown kind '${kindWord}'; it can be ${opts.kinds.join(', ')}` +
        (hint.length > 0 ? ` (did you mean ${hint.join(' or ')}?)` : '.'),
      ExitCode.usage,
    );
  }
  const dot = rest.lastIndexOf('.');
  const name = dot < 0 ? rest : rest.slice(0, dot);
  const namespace = dot < 0 ? undefined : rest.slice(dot + 1);
  if (name === '' || namespace === '' || (opts.requireNamespace === true && namespace === undefined)) {
    throw new CliError(`${opts.flag} '${value}' must be in the format '${format}'.`, ExitCode.usage);
  }
  return namespace === undefined ? { kind, name } : { kind, name, namespace };
}
