// Completion from the live command tree: the pure walk, the hidden `__complete` entry,
// and the generated scripts run in real shells (bash always; zsh and fish when
// installed) with a stub `tide` standing in for the name lookup.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { newRootCommand } from '../../program.js';
import { testContext } from '../../testdata/context.js';
import { runTide } from '../../testdata/context.js';
import { complete, newCompleteCommand } from './complete.js';
import { completionTree, type CompletionNode } from './model.js';

const exec = promisify(execFile);

function rootWithComplete(ctx = testContext()): Command {
  const root = newRootCommand(ctx);
  // program.ts wires `__complete` (hidden); added here when it does not yet.
  if (!root.commands.some((c) => c.name() === '__complete'))
    root.addCommand(newCompleteCommand(ctx), { hidden: true });
  return root;
}

async function hasShell(shell: string): Promise<boolean> {
  try {
    await exec(shell, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
}

/** The choices `get kustomization --output` declares (the get command's own). */
function outputChoices(): string[] {
  const get = completionTree(newRootCommand(testContext())).children.find((c) => c.name === 'get');
  const ks = get?.children.find((c) => c.name === 'kustomization');
  return [...(ks?.flags.find((f) => f.names.includes('--output'))?.choices ?? [])];
}

const nouns = [
  'source',
  'kustomization',
  'helmrelease',
  'alert',
  'alert-provider',
  'receiver',
  'image',
  'artifact',
];

describe('complete', () => {
  const tree: CompletionNode = completionTree(newRootCommand(testContext()));
  const words = (line: string[]): readonly string[] => {
    const c = complete(tree, line);
    return c.kind === 'files' ? ['<files>'] : c.words;
  };

  it('completes commands, nouns (by any spelling), flags, flag values and argument choices', () => {
    assert.deepEqual(words(['ge']), ['get']);
    for (const noun of nouns) assert.ok(words(['get', '']).includes(noun), `get offers ${noun}`);
    assert.ok(words(['suspend', 'source', '']).includes('git'), 'nouns of two words');
    assert.deepEqual(words(['completion', '']), ['bash', 'zsh', 'fish', 'powershell']);
    assert.ok(words(['diff', 'ks', 'app', '--pa']).includes('--path'), 'flags of an aliased subcommand');
    assert.ok(words(['build', 'kustomization', '-']).includes('--kustomization-file'), 'flags of build');
    assert.deepEqual(
      words(['diff', 'ks', 'app', '--path', '']),
      ['<files>'],
      'a value without choices: files',
    );
    assert.deepEqual(words(['diff', 'ks', '--kustomization-file=']), ['<files>']);
    assert.deepEqual(words(['get', 'ks', '-n', 'flux-system', 'x', '']), [], 'one name only');
  });

  it('asks for object names where a noun takes one, with the namespace typed so far', () => {
    const c = complete(tree, ['reconcile', 'ks', '-n', 'apps', 'pod']);
    assert.equal(c.kind === 'names' ? c.noun : c.kind, 'kustomization');
    const git = complete(tree, ['get', 'source', 'git', '']);
    assert.equal(git.kind === 'names' ? git.noun : git.kind, 'source git');
    const diff = complete(tree, ['diff', 'kustomization', '']);
    assert.equal(diff.kind === 'names' ? diff.noun : diff.kind, 'kustomization');
  });

  it('answers through the hidden `tide __complete` entry, restoring a dropped empty word with --words', async () => {
    const run = async (argv: string[]): Promise<string> => {
      const ctx = testContext();
      const root = rootWithComplete(ctx);
      root.exitOverride();
      await root.parseAsync(argv, { from: 'user' });
      return ctx.stdout();
    };
    assert.equal(await run(['__complete', '--', 'ge']), 'get\n');
    assert.equal(
      (await run(['__complete', '--', 'get', ''])).split('\n').filter((w) => nouns.includes(w)).length,
      nouns.length,
    );
    assert.equal(
      await run(['__complete', '--words', '2', '--', 'completion']),
      'bash\nzsh\nfish\npowershell\n',
    );
    // No cluster reachable: names are silently absent, never an error.
    assert.equal(await run(['__complete', '--', 'get', 'ks', '--kubeconfig', '/nonexistent', '']), '');
  });
});

describe('completion scripts', () => {
  let dir: string;
  const scripts: Record<string, string> = {};
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tide-completion-'));
    for (const shell of ['bash', 'zsh', 'fish', 'powershell']) {
      const res = await runTide(['completion', shell]);
      assert.equal(res.code, 0, res.stderr);
      scripts[shell] = path.join(dir, `tide.${shell}`);
      await writeFile(scripts[shell], res.stdout);
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an unknown shell, listing the choices', async () => {
    const res = await runTide(['completion', 'tcsh']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /Allowed choices are bash, zsh, fish, powershell/);
  });

  it('bash: passes bash -n and completes through COMP_WORDS, asking `tide __complete` for names', async () => {
    await exec('bash', ['-n', scripts['bash'] ?? '']);
    const argsFile = path.join(dir, 'bash-args');
    const sim = `
source ${JSON.stringify(scripts['bash'])}
tide() { printf '%s\\n' "$*" > ${JSON.stringify(argsFile)}; printf '%s\\n' podinfo podcast other; }
sim() { COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); __tide_complete_bash; echo "\${COMPREPLY[*]}"; }
sim tide ge
sim tide get ''
sim tide get source ''
sim tide completion ''
sim tide diff ks app --pa
sim tide get ks --output = y
sim tide reconcile ks -n apps pod
complete -p tide
`;
    const { stdout } = await exec('bash', ['-c', sim]);
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'get');
    for (const noun of nouns)
      assert.ok(lines[1]?.split(' ').includes(noun), `get offers ${noun}: ${lines[1]}`);
    assert.ok(lines[2]?.split(' ').includes('git'), lines[2]);
    assert.equal(lines[3], 'bash zsh fish powershell');
    assert.equal(lines[4], '--path');
    assert.equal(
      lines[5],
      outputChoices()
        .filter((c) => c.startsWith('y'))
        .join(' '),
    );
    assert.equal(lines[6], 'podinfo podcast');
    assert.equal(lines[7], 'complete -F __tide_complete_bash tide');
    assert.equal((await readFile(argsFile, 'utf8')).trim(), '__complete -- reconcile ks -n apps pod');
  });

  it('zsh: parses and completes through words/CURRENT (skipped without zsh)', async (t) => {
    if (!(await hasShell('zsh'))) {
      t.skip('zsh is not installed');
      return;
    }
    await exec('zsh', ['-n', scripts['zsh'] ?? '']);
    const sim = `
compdef() { :; }
source ${JSON.stringify(scripts['zsh'])}
compadd() { [[ $1 == -a ]] && print -r -- "\${(P)2}"; }
compset() { :; }
_files() { print -r -- '<files>'; }
tide() { print -l podinfo other; }
sim() { words=("$@"); CURRENT=\${#words}; _tide; }
sim tide get ''
sim tide get ks ''
sim tide diff ks app --path ''
`;
    const { stdout } = await exec('zsh', ['-c', sim]);
    const lines = stdout.split('\n');
    for (const noun of nouns)
      assert.ok(lines[0]?.split(' ').includes(noun), `get offers ${noun}: ${lines[0]}`);
    assert.equal(lines[1], 'podinfo other');
    assert.equal(lines[2], '<files>');
  });

  it('fish: parses and completes through complete -C (skipped without fish)', async (t) => {
    if (!(await hasShell('fish'))) {
      t.skip('fish is not installed');
      return;
    }
    await exec('fish', ['-n', scripts['fish'] ?? '']);
    const sim = `
source ${JSON.stringify(scripts['fish'])}
function tide; printf '%s\\n' podinfo other; end
for line in 'tide ge' 'tide get source ' 'tide get ks ' 'tide get ks --output='
  echo (complete -C "$line" | string join ' ')
end
`;
    const { stdout } = await exec('fish', ['-c', sim]);
    assert.deepEqual(stdout.split('\n').slice(0, 4), [
      'get',
      'all bucket chart external git helm oci',
      'other podinfo',
      outputChoices()
        .sort()
        .map((c) => `--output=${c}`)
        .join(' '),
    ]);
  });

  it('powershell: registers a native completer holding the same tables', async (t) => {
    const text = await readFile(scripts['powershell'] ?? '', 'utf8');
    assert.match(text, /Register-ArgumentCompleter -Native -CommandName 'tide'/);
    assert.match(text, /'get\|ks' = @\('kustomization'\)/);
    assert.match(text, /'completion\|#0' = @\('bash', 'zsh', 'fish', 'powershell'\)/);
    if (!(await hasShell('pwsh'))) {
      t.skip('pwsh is not installed: syntax not checked');
      return;
    }
    await exec('pwsh', [
      '-NoProfile',
      '-Command',
      `$null = [scriptblock]::Create((Get-Content -Raw '${scripts['powershell'] ?? ''}'))`,
    ]);
  });
});
