// `get --watch` against the shared cluster: the table, then a row per change, aligned to
// the table, until the context's signal stops it; `suspend|resume --all` drive the changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GitRepositoryKind, type GitRepository } from '../../../api/source/gitrepository.js';
import { gitRepository } from '../../../controllers/source/testdata/harness.js';
import { resourceFor } from '../../../runtime/client/resource.js';
import { eventually } from '../../../testenv/eventually.js';
import { runProgram } from '../../program.js';
import {
  assertOk,
  configMap,
  startCliHarness,
  type CliHarness,
} from '../../resources/testdata/cli-harness.js';
import { testContext } from '../../testdata/context.js';

const GitRepositories = resourceFor(GitRepositoryKind);

let cli: CliHarness;
before(async () => {
  cli = await startCliHarness();
});
after(async () => {
  await cli.h.stop();
});

describe('tide get --watch', () => {
  it('prints a row per change until interrupted; suspend and resume --all', async (t) => {
    const { h, tide } = cli;
    const ns = await h.env.createNamespace(t);
    const repo = await h.git.createRepo(`${ns}/w`, { defaultBranch: 'main' });
    await repo.commit({ 'a.yaml': configMap('w') });
    for (const name of ['one', 'two']) {
      // Without credentials they fail to fetch, which is fine for watching.
      await h.client.create(
        GitRepositories,
        gitRepository(ns, name, { url: repo.httpsUrl, interval: '10m', ref: { branch: 'main' } }),
      );
    }
    const stop = new AbortController();
    const ctx = testContext({ env: cli.env, signal: stop.signal });
    const watching = runProgram(['get', 'source', 'git', '-n', ns, '--watch'], ctx);
    const rows = (): string[] => ctx.stdout().trimEnd().split('\n');
    await eventually(() => {
      assert.match(rows()[0] ?? '', /^NAME\s+REVISION\s+SUSPENDED/, ctx.stdout());
      assert.ok(rows().length >= 3, ctx.stdout());
    });

    const suspended = await tide(['suspend', 'source', 'git', '--all', '-n', ns]);
    assertOk(suspended, 'suspend --all');
    assert.match(
      suspended.stderr,
      new RegExp(
        `► suspending GitRepository ${ns}/one\n✔ GitRepository suspended\n► suspending GitRepository ${ns}/two\n`,
      ),
    );
    await eventually(() => {
      const seen = rows().slice(3);
      assert.ok(
        seen.some((r) => /^one\s+.*\bTrue\s+(True|False)\s/.test(r)),
        ctx.stdout(),
      );
      assert.ok(
        seen.some((r) => /^two\s+.*\bTrue\s+(True|False)\s/.test(r)),
        ctx.stdout(),
      );
    });
    stop.abort();
    assert.equal(await watching, 0, ctx.stderr());
    // Rows printed after the table keep its columns.
    const width = (rows()[0] ?? '').indexOf('REVISION');
    for (const row of rows().slice(1)) assert.equal(row.slice(width - 3, width), '   ', row);

    for (const name of ['one', 'two']) {
      assert.equal((await h.client.get<GitRepository>(GitRepositories, name, ns)).spec?.suspend, true);
    }
    const resumed = await tide(['resume', 'source', 'git', '--all', '-n', ns, '--wait=false']);
    assertOk(resumed, 'resume --all --wait=false');
    for (const name of ['one', 'two']) {
      const obj = await h.client.get<GitRepository>(GitRepositories, name, ns);
      assert.equal(obj.spec?.suspend, undefined);
      assert.notEqual(obj.metadata.annotations?.['reconcile.fluxcd.io/requestedAt'], undefined);
    }
  });
});
