// The confirmation of `tide uninstall` comes before any cluster access: these run
// without one (what it deletes is tested in src/install/install.int.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runTide } from '../../testdata/context.js';
import { ExitCode } from '../../context.js';

// A home without ~/.kube/config and no KUBECONFIG: reaching the cluster step fails with noCluster.
const home = mkdtempSync(path.join(os.tmpdir(), 'tide-uninstall-test-'));

describe('tide uninstall confirmation', () => {
  it('refuses without a terminal and without --silent, naming the flag', async () => {
    const res = await runTide(['uninstall'], { home });
    assert.equal(res.code, ExitCode.usage);
    assert.match(res.stderr, /--silent \(-s\)/);
    assert.equal(res.stdout, '');
  });

  it('stops when the answer is no', async () => {
    const res = await runTide(['uninstall', '-n', 'infra'], { home, answers: [false] });
    assert.equal(res.code, ExitCode.failure);
    assert.match(
      res.stderr,
      /Are you sure you want to delete Tide and its custom resource definitions .* infra namespace\?/,
    );
    assert.match(res.stderr, /aborted: nothing was deleted/);
  });

  it('goes on to the cluster when the answer is yes, with --silent, or for --dry-run', async () => {
    for (const [args, answers] of [
      [['uninstall'], [true]],
      [['uninstall', '--silent'], []],
      [['uninstall', '-s', '--keep-crds'], []],
      [['uninstall', '--dry-run'], []],
    ] as const) {
      const res = await runTide(args, { home, answers });
      assert.equal(res.code, ExitCode.noCluster, `${args.join(' ')}: ${res.stderr}`);
    }
  });

  it('names only Tide in the question when the CRDs are kept', async () => {
    const res = await runTide(['uninstall', '--keep-crds'], { home, answers: [false] });
    assert.match(res.stderr, /delete Tide from the flux-system namespace\?/);
  });
});
