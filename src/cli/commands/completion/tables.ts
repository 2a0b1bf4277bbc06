// The completion tree flattened into the lookup tables every script embeds, keyed by
// the command path (canonical names joined by spaces, '' for the root):
//   subs[path]            subcommand names offered
//   canon[path|word]      the canonical name of a subcommand typed by any name or alias
//   flags[path]           every flag name
//   valued[path]          flags that take a value (their value is the next word)
//   choices[path|flag]    values of a flag;  choices[path|#i]: values of argument i
//   nouns                 paths whose first argument is an object name (`tide __complete`)
import { allNodes, type CompletionNode } from './model.js';

export interface Tables {
  readonly subs: ReadonlyMap<string, readonly string[]>;
  readonly canon: ReadonlyMap<string, string>;
  readonly flags: ReadonlyMap<string, readonly string[]>;
  readonly valued: ReadonlyMap<string, readonly string[]>;
  readonly choices: ReadonlyMap<string, readonly string[]>;
  readonly nouns: ReadonlySet<string>;
}

export function tablesOf(root: CompletionNode): Tables {
  const subs = new Map<string, string[]>();
  const canon = new Map<string, string>();
  const flags = new Map<string, string[]>();
  const valued = new Map<string, string[]>();
  const choices = new Map<string, string[]>();
  const nouns = new Set<string>();
  for (const node of allNodes(root)) {
    const key = node.path.join(' ');
    if (node.children.length > 0)
      subs.set(
        key,
        node.children.map((c) => c.name),
      );
    for (const c of node.children)
      for (const word of [c.name, ...c.aliases]) canon.set(`${key}|${word}`, c.name);
    flags.set(
      key,
      node.flags.flatMap((f) => f.names),
    );
    const takes = node.flags.filter((f) => f.takesValue).flatMap((f) => f.names);
    if (takes.length > 0) valued.set(key, takes);
    for (const f of node.flags) {
      if (f.choices !== undefined) for (const n of f.names) choices.set(`${key}|${n}`, [...f.choices]);
    }
    node.argChoices.forEach((list, i) => {
      if (list !== undefined) choices.set(`${key}|#${i}`, [...list]);
    });
    if (node.noun !== undefined) nouns.add(key);
  }
  return { subs, canon, flags, valued, choices, nouns };
}

/** A word as a single-quoted sh/bash/zsh/fish/PowerShell string literal. */
export function quoteSh(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function quoteFish(word: string): string {
  return `'${word.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function quotePs(word: string): string {
  return `'${word.replaceAll("'", "''")}'`;
}
