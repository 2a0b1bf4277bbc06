// The noun sub-commands every resource verb shares (`get source git`, `suspend ks`,
// `export image policy`, …), built from the NOUNS table so the verbs accept the same
// words and aliases, and an unknown word gets the closest ones suggested.
import { Command } from 'commander';
import { CliError, ExitCode } from '../context.js';
import { closest, NOUNS, type Noun } from './nouns.js';

// Group words as the flux CLI also accepts them in the plural (`get sources git`).
const GROUP_ALIASES: Readonly<Record<string, readonly string[]>> = {
  source: ['sources'],
  image: ['images'],
  artifact: ['artifacts'],
};

const title = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

function plural(word: string): string {
  if (word.endsWith('y')) return `${word.slice(0, -1)}ies`;
  return word.endsWith('s') ? word : `${word}s`;
}

/** The words a leaf answers to besides its own: the noun's aliases and the plural. */
export function leafAliases(noun: Noun): string[] {
  const last = noun.words[noun.words.length - 1] ?? '';
  return [...new Set([...noun.aliases, plural(last)])].filter((a) => a !== last);
}

export interface NounTreeOptions {
  /** The nouns this verb supports (all of NOUNS by default). */
  readonly nouns?: readonly Noun[];
  /** One line of help for a noun's command. */
  readonly describe: (noun: Noun) => string;
  /** Adds arguments, options and the action to a noun's command. */
  readonly leaf: (cmd: Command, noun: Noun) => void;
  /** `all` (top level and per group: `get all`, `get sources all`), when the verb has one. */
  readonly all?: (cmd: Command, nouns: readonly Noun[]) => void;
}

/** Adds a command per noun (grouped as `source`, `image`, `artifact`) under the verb. */
export function addNounCommands(verb: Command, opts: NounTreeOptions): Command {
  const nouns = opts.nouns ?? NOUNS;
  const groups = new Map<string, Command>();
  for (const noun of nouns) {
    const [first = '', second] = noun.words;
    const leaf = new Command(second ?? first).description(opts.describe(noun));
    for (const alias of leafAliases(noun)) leaf.alias(alias);
    opts.leaf(leaf, noun);
    if (second === undefined) {
      verb.addCommand(leaf);
      continue;
    }
    let group = groups.get(first);
    if (group === undefined) {
      const members = nouns.filter((n) => n.words[0] === first).map((n) => n.words[1] ?? '');
      group = new Command(first).description(`${title(verb.name())} ${plural(first)}: ${members.join(', ')}`);
      for (const alias of GROUP_ALIASES[first] ?? []) group.alias(alias);
      groups.set(first, group);
      verb.addCommand(group);
    }
    group.addCommand(leaf);
  }
  if (opts.all !== undefined) {
    const all = opts.all;
    for (const [word, group] of groups) {
      const members = nouns.filter((n) => n.words[0] === word);
      const cmd = new Command('all').description(`${title(verb.name())} every kind of ${word}`);
      all(cmd, members);
      group.addCommand(cmd);
    }
    const cmd = new Command('all').description(`${title(verb.name())} objects of every kind`);
    all(cmd, nouns);
    verb.addCommand(cmd);
  }
  rejectUnknownWords(verb, `tide ${verb.name()}`);
  for (const [word, group] of groups) rejectUnknownWords(group, `tide ${verb.name()} ${word}`);
  return verb;
}

/** A command reached with a word none of its sub-commands answers to: suggest close ones. */
export function rejectUnknownWords(cmd: Command, path: string): void {
  // Flags meant for the sub-command (`-n ns`) must not hide the unknown word.
  cmd
    .usage('<kind> [name] [flags]')
    .argument('[words...]')
    .allowUnknownOption(true)
    .action((args: string[]) => {
      const words = args.filter((w) => !w.startsWith('-'));
      const canonical = new Map(
        cmd.commands.flatMap((c) => [c.name(), ...c.aliases()].map((w) => [w, c.name()])),
      );
      const names = cmd.commands.map((c) => c.name());
      const word = words[0];
      const known = words.find((w) => canonical.has(w));
      if (known !== undefined && args[0]?.startsWith('-') === true) {
        // `get -A source git`: the noun is one word, or a group word and the next one.
        const at = args.indexOf(known);
        const group = cmd.commands.find((c) => c.name() === canonical.get(known))?.commands.length ?? 0;
        const noun = args.slice(at, group > 0 ? at + 2 : at + 1);
        const rest = [...args.slice(0, at), ...args.slice(at + noun.length)];
        throw new CliError(
          `${path}: put the flags after the object kind, e.g. ${path} ${[...noun, ...rest].join(' ')}`,
          ExitCode.usage,
        );
      }
      if (word === undefined) {
        throw new CliError(`${path} needs one of: ${names.join(', ')} (see ${path} --help).`, ExitCode.usage);
      }
      const similar = [
        ...new Set(closest(word, [...canonical.keys()], 6).map((w) => canonical.get(w) ?? w)),
      ].slice(0, 3);
      throw new CliError(
        `unknown word '${word}' for ${path}; ` +
          (similar.length > 0
            ? `did you mean ${similar.join(' or ')}?`
            : `it takes one of: ${names.join(', ')}.`),
        ExitCode.usage,
      );
    });
}
