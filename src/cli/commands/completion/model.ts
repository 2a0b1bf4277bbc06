// What shell completion knows, read from the live commander tree: every visible command
// with its aliases, flags (which take a value, their choices) and argument choices. Verbs
// that take a noun as arguments (`get kustomization`) get the nouns of the resource table
// as virtual subcommands, and a node that names a noun completes object names of its kind.
import type { Command, Option } from 'commander';
import { NOUNS, nounName, type Noun } from '../../resources/nouns.js';

export interface FlagSpec {
  /** `-n`, `--namespace`. */
  readonly names: readonly string[];
  readonly takesValue: boolean;
  readonly choices?: readonly string[];
  readonly description: string;
}

export interface CompletionNode {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** Canonical names from the root (the root's is []). */
  readonly path: readonly string[];
  readonly children: readonly CompletionNode[];
  readonly flags: readonly FlagSpec[];
  /** Choices of each positional argument (undefined: anything). */
  readonly argChoices: readonly (readonly string[] | undefined)[];
  /** The noun whose object names complete the first argument (`source git`, `kustomization`). */
  readonly noun?: string;
}

/** Verbs whose nouns are arguments when the command has no subcommands of its own. */
export const NOUN_VERBS: readonly string[] = [
  'get',
  'export',
  'suspend',
  'resume',
  'delete',
  'reconcile',
  'tree',
];

export function completionTree(root: Command): CompletionNode {
  return nodeOf(root, []);
}

function nodeOf(cmd: Command, path: readonly string[]): CompletionNode {
  const help = cmd.createHelp();
  const flags = help.visibleOptions(cmd).map(flagOf);
  const subs = help
    .visibleCommands(cmd)
    .filter((c) => c.name() !== 'help')
    .map((c) => nodeOf(c, [...path, c.name()]));
  const args = cmd.registeredArguments.map((a) => a.argChoices);
  const verb = path[0];
  if (subs.length === 0 && path.length === 1 && verb !== undefined && NOUN_VERBS.includes(verb)) {
    return base(cmd, path, flags, nounChildren(path, flags, [], NOUNS), []);
  }
  const noun = path.length >= 2 && args.length > 0 ? nounAt(path.slice(1)) : undefined;
  return { ...base(cmd, path, flags, subs, args), ...(noun === undefined ? {} : { noun: nounName(noun) }) };
}

function base(
  cmd: Command,
  path: readonly string[],
  flags: FlagSpec[],
  children: CompletionNode[],
  argChoices: (readonly string[] | undefined)[],
): CompletionNode {
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: firstSentence(cmd.description()),
    path,
    children,
    flags,
    argChoices,
  };
}

function flagOf(o: Option): FlagSpec {
  return {
    names: [o.short, o.long].filter((n): n is string => n !== undefined),
    takesValue: o.required || o.optional,
    ...(o.argChoices === undefined ? {} : { choices: o.argChoices }),
    description: firstSentence(o.description),
  };
}

/** The noun a command path below the verb names: `source git`, or `kustomization` by any of its spellings. */
function nounAt(words: readonly string[]): Noun | undefined {
  const last = words[words.length - 1];
  const head = words.slice(0, -1).join(' ');
  return NOUNS.find((n) => {
    const nHead = n.words.slice(0, -1).join(' ');
    const nLast = n.words[n.words.length - 1] ?? '';
    return head === nHead && last !== undefined && (last === nLast || n.aliases.includes(last));
  });
}

/** The nouns under a verb as virtual commands, grouped by their first word (`source` → `git`, `oci`, …). */
function nounChildren(
  path: readonly string[],
  flags: FlagSpec[],
  prefix: readonly string[],
  nouns: readonly Noun[],
): CompletionNode[] {
  const groups = new Map<string, Noun[]>();
  for (const n of nouns) {
    const word = n.words[prefix.length];
    if (word === undefined) continue;
    groups.set(word, [...(groups.get(word) ?? []), n]);
  }
  return [...groups].map(([word, members]): CompletionNode => {
    const leaf = members.find((n) => n.words.length === prefix.length + 1);
    const childPath = [...path, word];
    if (leaf !== undefined) {
      return {
        name: word,
        aliases: leaf.aliases,
        description: `${leaf.kind.kind} objects`,
        path: childPath,
        children: [],
        flags,
        argChoices: [undefined],
        noun: nounName(leaf),
      };
    }
    return {
      name: word,
      aliases: [],
      description: `${word} kinds`,
      path: childPath,
      children: nounChildren(childPath, flags, [...prefix, word], members),
      flags,
      argChoices: [],
    };
  });
}

function firstSentence(text: string): string {
  const line = text.split('\n')[0] ?? '';
  const dot = line.search(/[.:](\s|$)/);
  return (dot < 0 ? line : line.slice(0, dot)).trim();
}

/** Every node, depth first. */
export function allNodes(node: CompletionNode): CompletionNode[] {
  return [node, ...node.children.flatMap(allNodes)];
}
