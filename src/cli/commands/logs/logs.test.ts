import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../testenv/eventually.js';
import { CliError, ExitCode } from '../../context.js';
import {
  entryMatches,
  formatEntry,
  parseLogLine,
  type LogEntry,
  type LogFilter,
} from '../../inspect/log-entries.js';
import { tailFile } from '../../inspect/log-file.js';
import { assertGolden } from '../../inspect/testdata/golden.js';
import { runTide } from '../../testdata/context.js';
import { style } from '../../ui/style.js';
import { logFilter, type LogsFlags } from './index.js';
import { inProcessLogFile } from './sources.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const testdata = (name: string): string => path.join(here, 'testdata', name);
const fixture = testdata('controllers.log');
const plain = style({ output: { isTTY: false } as never, env: {} });

async function format(filter: LogFilter): Promise<string> {
  const lines = (await readFile(fixture, 'utf8')).split('\n');
  return lines
    .map(parseLogLine)
    .filter((e): e is LogEntry => e !== undefined && entryMatches(e, filter))
    .map((e) => formatEntry(e, plain) + '\n')
    .join('');
}

const flags = (extra: Partial<LogsFlags> = {}): LogsFlags => ({
  namespace: 'flux-system',
  timeout: 300_000,
  fluxNamespace: 'flux-system',
  ...extra,
});

describe('log entries', () => {
  it('keeps the entries about objects in the namespace, skipping lines that are not JSON', async () => {
    await assertGolden(testdata('namespace.golden'), await format(logFilter(flags(), 0)));
  });

  it('filters by kind word, name and level', async () => {
    const filter = logFilter(flags({ kind: 'ks', name: 'APPS' }), 0);
    assert.deepEqual(filter, { kind: 'Kustomization', name: 'APPS', namespace: 'flux-system' });
    await assertGolden(testdata('kustomization-apps.golden'), await format(filter));
    const errors = await format(logFilter(flags({ level: 'error', allNamespaces: true }), 0));
    await assertGolden(testdata('errors-all-namespaces.golden'), errors);
  });

  it('shows process-level entries only with -A, and takes --since from the clock', async () => {
    const all = await format(logFilter(flags({ allNamespaces: true }), 0));
    assert.match(all, /manager starting/);
    const recent = await format(
      logFilter(flags({ allNamespaces: true, since: 5 * 60_000 }), Date.parse('2026-01-10T12:00:30Z')),
    );
    assert.deepEqual(
      recent
        .trim()
        .split('\n')
        .map((l) => l.slice(0, 24)),
      ['2026-01-10T11:56:00.000Z', '2026-01-10T11:57:00.000Z'],
    );
  });

  it('refuses conflicting or malformed flags with the usage code', () => {
    const usage = (f: Partial<LogsFlags>, re: RegExp): void => {
      assert.throws(
        () => logFilter(flags(f), 0),
        (err: unknown) => err instanceof CliError && err.exitCode === ExitCode.usage && re.test(err.message),
      );
    };
    usage({ since: 1000, sinceTime: '2026-01-10T12:00:00Z' }, /at most one of --since and --since-time/);
    usage({ sinceTime: 'yesterday' }, /RFC 3339/);
    usage({ kind: 'kustomizaton' }, /did you mean kustomization/);
  });
});

describe('logs from a file', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'tide-logs-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints the matching entries of --log-file, or as written with -o json', async () => {
    const run = await runTide(['logs', '--log-file', fixture, '--kind', 'Kustomization', '-A']);
    assert.equal(run.code, 0, run.stderr);
    await assertGolden(testdata('log-file.golden'), run.stdout);
    const json = await runTide([
      'logs',
      '--log-file',
      fixture,
      '--name',
      'web',
      '-n',
      'team-a',
      '-o',
      'json',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const lines = json.stdout.trim().split('\n');
    assert.equal(lines.length, 2);
    for (const line of lines) assert.equal((JSON.parse(line) as { object: string }).object, 'team-a/web');
  });

  it('reads the in-process controllers log when no cluster is reachable', async () => {
    const cacheDir = path.join(dir, 'cache');
    await mkdir(path.dirname(inProcessLogFile(cacheDir)), { recursive: true });
    await writeFile(inProcessLogFile(cacheDir), await readFile(fixture));
    const run = await runTide(['logs', '--tail', '3', '-A'], {
      cacheDir,
      env: { KUBECONFIG: path.join(dir, 'no-such-kubeconfig') },
      home: dir,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /reading the in-process controllers' log .*controllers\.log/);
    // --tail counts lines of the log before filtering, as pods/log does.
    assert.equal(run.stdout.trim().split('\n').length, 3);
    assert.match(run.stdout, /Reconciliation finished$/m);
  });

  it('says where it looked when there are no logs at all', async () => {
    const run = await runTide(['logs'], {
      cacheDir: path.join(dir, 'empty-cache'),
      env: { KUBECONFIG: path.join(dir, 'no-such-kubeconfig') },
      home: dir,
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /no controller logs found: .*no in-process controllers' log at .*empty-cache\/run\/controllers\.log/,
    );
    assert.match(run.stderr, /--log-file/);
    const missing = await runTide(['logs', '--log-file', path.join(dir, 'nope.log')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /log file .*nope\.log does not exist/);
  });

  it('follows appended lines, a partly written line once complete, and a truncated file from its start', async () => {
    const file = path.join(dir, 'follow.log');
    await writeFile(file, 'one\ntwo\npart');
    const seen: string[] = [];
    const stop = new AbortController();
    const done = tailFile(file, { tail: 1, follow: true, signal: stop.signal, pollMs: 20 }, (l) =>
      seen.push(l),
    );
    await eventually(() => {
      assert.deepEqual(seen, ['two']);
    });
    await appendFile(file, 'ial\nthree\n');
    await eventually(() => {
      assert.deepEqual(seen, ['two', 'partial', 'three']);
    });
    await writeFile(file, 'fresh\n');
    await eventually(() => {
      assert.deepEqual(seen, ['two', 'partial', 'three', 'fresh']);
    });
    stop.abort();
    await done;
  });
});
