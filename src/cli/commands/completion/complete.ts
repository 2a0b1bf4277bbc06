// Completing a command line from the completion tree: the same walk the shell scripts
// do (subcommands and aliases, flags and the values they take), plus object names of
// the noun a command names, listed from the cluster. `tide __complete <words…>` prints
// the candidates one per line for the scripts; it is quick and silent on any error.
import { Command } from 'commander';
import type { KubeObject } from '../../../api/object.js';
import type { CliContext } from '../../context.js';
import { kubeFrom, DEFAULT_NAMESPACE } from '../../kube/flags.js';
import { NOUNS, nounName } from '../../resources/nouns.js';
import { completionTree, type CompletionNode, type FlagSpec } from './model.js';

export type Completion =
  | { readonly kind: 'words'; readonly words: readonly string[] }
  /** A value of a flag without choices: the shell completes file names. */
  | { readonly kind: 'files' }
  /** Object names of `noun`, besides `words`. */
  | { readonly kind: 'names'; readonly noun: string; readonly words: readonly string[] };

export interface Walk {
  readonly node: CompletionNode;
  /** Positional arguments already given to node. */
  readonly positional: number;
  /** --kubeconfig, --context, -n/--namespace as typed so far (for listing names). */
  readonly flags: Readonly<Record<string, string>>;
}

function findFlag(node: CompletionNode, word: string): FlagSpec | undefined {
  return node.flags.find((f) => f.names.includes(word));
}

/** Follows the words before the cursor down the tree. */
export function walk(root: CompletionNode, words: readonly string[]): Walk {
  let node = root;
  let positional = 0;
  const flags: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w.startsWith('-') && w.length > 1) {
      const eq = w.indexOf('=');
      const name = eq < 0 ? w : w.slice(0, eq);
      const flag = findFlag(node, name);
      if (flag?.takesValue === true && eq < 0 && i + 1 < words.length) {
        flags[canonicalFlag(flag)] = words[++i] ?? '';
      } else if (flag?.takesValue === true && eq >= 0) {
        flags[canonicalFlag(flag)] = w.slice(eq + 1);
      }
      continue;
    }
    const child =
      positional === 0 ? node.children.find((c) => c.name === w || c.aliases.includes(w)) : undefined;
    if (child !== undefined) node = child;
    else positional++;
  }
  return { node, positional, flags };
}

function canonicalFlag(flag: FlagSpec): string {
  return flag.names.find((n) => n.startsWith('--')) ?? flag.names[0] ?? '';
}

/** Candidates for the last word of `words` (the one under the cursor, possibly ''). */
export function complete(root: CompletionNode, words: readonly string[]): Completion {
  const before = words.slice(0, -1);
  const current = words[words.length - 1] ?? '';
  const at = walk(root, before);
  const prev = before[before.length - 1];
  const prevFlag = prev !== undefined && !prev.includes('=') ? findFlag(at.node, prev) : undefined;
  const prefixed = (list: readonly string[], prefix = ''): string[] =>
    list.map((w) => prefix + w).filter((w) => w.startsWith(current));
  if (prevFlag?.takesValue === true) {
    return prevFlag.choices === undefined
      ? { kind: 'files' }
      : { kind: 'words', words: prefixed(prevFlag.choices) };
  }
  if (current.startsWith('-')) {
    const eq = current.indexOf('=');
    if (eq >= 0) {
      const flag = findFlag(at.node, current.slice(0, eq));
      if (flag?.choices !== undefined)
        return { kind: 'words', words: prefixed(flag.choices, current.slice(0, eq + 1)) };
      return { kind: 'files' };
    }
    return { kind: 'words', words: prefixed(at.node.flags.flatMap((f) => f.names)) };
  }
  const words_: string[] = [];
  if (at.positional === 0) words_.push(...at.node.children.map((c) => c.name));
  words_.push(...(at.node.argChoices[at.positional] ?? []));
  if (at.positional === 0 && at.node.noun !== undefined) {
    return { kind: 'names', noun: at.node.noun, words: prefixed(words_) };
  }
  return { kind: 'words', words: prefixed(words_) };
}

const LIST_TIMEOUT_MS = 3_000;

/** Names of the noun's objects in the namespace the typed flags name; [] on any failure. */
export async function listNames(
  ctx: CliContext,
  noun: string,
  flags: Readonly<Record<string, string>>,
  prefix: string,
): Promise<string[]> {
  const n = NOUNS.find((x) => nounName(x) === noun);
  if (n === undefined) return [];
  try {
    const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
    const kube = await kubeFrom(ctx, {
      ...(flags['--kubeconfig'] === undefined ? {} : { kubeconfig: flags['--kubeconfig'] }),
      ...(flags['--context'] === undefined ? {} : { context: flags['--context'] }),
      namespace: flags['--namespace'] ?? DEFAULT_NAMESPACE,
      timeout: LIST_TIMEOUT_MS,
    });
    const list = await kube.client.list<KubeObject>(n.resource, {
      namespace: kube.namespace,
      metadataOnly: true,
      signal,
    });
    return list.items
      .map((i) => i.metadata.name)
      .filter((name) => name.startsWith(prefix))
      .sort();
  } catch {
    return [];
  }
}

/** The root command of `cmd`'s tree. */
export function rootOf(cmd: Command): Command {
  let at = cmd;
  while (at.parent !== null) at = at.parent;
  return at;
}

/** `tide __complete <words…>`: candidates for the last word, one per line. */
export function newCompleteCommand(ctx: CliContext): Command {
  return new Command('__complete')
    .description('Completion candidates for a command line (used by the completion scripts)')
    .argument('[words...]', 'the words after `tide`, the last one being completed ("" for a new word)')
    .option(
      '--words <n>',
      'how many words there are (an empty last word some shells drop is restored)',
      Number,
    )
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (words: string[] | undefined, opts: { words?: number }, cmd: Command) => {
      const all = [...(words ?? [])];
      while (all.length < Math.max(1, opts.words ?? 0)) all.push('');
      const result = complete(completionTree(rootOf(cmd)), all);
      if (result.kind === 'files') return;
      const out = [...result.words];
      if (result.kind === 'names') {
        const at = walk(completionTree(rootOf(cmd)), all.slice(0, -1));
        out.push(...(await listNames(ctx, result.noun, at.flags, all[all.length - 1] ?? '')));
      }
      for (const word of out) ctx.output.out(word);
    });
}
