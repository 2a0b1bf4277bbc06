import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTide } from '../cli/testdata/context.js';
import { cliVersion } from '../cli/commands/version/index.js';
import { defaultInstallOptions } from '../install/options.js';
import { manifestsDir, normalizeRepoPath, repoFiles, type RepoFilesOptions } from './repo-files.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');

function options(overrides: Partial<RepoFilesOptions['sync']> = {}, skipCrds = false): RepoFilesOptions {
  return {
    install: { ...defaultInstallOptions(cliVersion()), namespace: 'flux-system' },
    sync: {
      name: 'flux-system',
      namespace: 'flux-system',
      url: 'https://git.example.com/org/fleet.git',
      branch: 'main',
      intervalMs: 60_000,
      path: 'clusters/my-cluster',
      secretName: 'flux-system',
      ...overrides,
    },
    skipCrds,
  };
}

async function golden(name: string, actual: string): Promise<void> {
  const file = path.join(testdata, name);
  if (process.env['TIDE_UPDATE_GOLDEN'] === '1') await writeFile(file, actual);
  assert.equal(actual, await readFile(file, 'utf8'), `${name} (regenerate with TIDE_UPDATE_GOLDEN=1)`);
}

describe('bootstrap repository files', () => {
  it('writes the sync objects and the kustomization.yaml as Flux lays them out', async () => {
    const files = repoFiles(options());
    assert.deepEqual(
      [...files.keys()],
      [
        'clusters/my-cluster/flux-system/gotk-components.yaml',
        'clusters/my-cluster/flux-system/gotk-sync.yaml',
        'clusters/my-cluster/flux-system/kustomization.yaml',
      ],
    );
    await golden('gotk-sync.yaml', files.get('clusters/my-cluster/flux-system/gotk-sync.yaml') ?? '');
    // Inline rather than golden: Flux's layout (unindented list) is not Prettier's.
    assert.equal(
      files.get('clusters/my-cluster/flux-system/kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '- gotk-components.yaml',
        '- gotk-sync.yaml',
        '',
      ].join('\n'),
    );
  });

  it('follows the options: branch, interval, secret, an SSH URL and the repository root', async () => {
    const files = repoFiles(
      options({
        name: 'tide',
        namespace: 'tide',
        url: 'ssh://git@git.example.com/org/fleet.git',
        branch: 'prod',
        intervalMs: 90_000,
        path: '',
        secretName: 'fleet-auth',
      }),
    );
    await golden('gotk-sync-root.yaml', files.get('flux-system/gotk-sync.yaml') ?? '');
  });

  it('gotk-components.yaml is what `tide install --export` prints for the same options', async () => {
    const exported = await runTide(['install', '--export', '-n', 'tide', '--components=source-controller']);
    assert.equal(exported.code, 0, exported.stderr);
    const opts = options({ namespace: 'tide', name: 'tide' });
    const files = repoFiles({
      ...opts,
      install: { ...opts.install, namespace: 'tide', components: ['source-controller'] },
    });
    assert.equal(files.get('clusters/my-cluster/flux-system/gotk-components.yaml'), exported.stdout);
  });

  it('leaves the CRDs out with skipCrds, and only them', () => {
    const all = repoFiles(options()).get('clusters/my-cluster/flux-system/gotk-components.yaml') ?? '';
    const without =
      repoFiles(options({}, true)).get('clusters/my-cluster/flux-system/gotk-components.yaml') ?? '';
    assert.match(all, /^kind: CustomResourceDefinition$/m);
    assert.doesNotMatch(without, /^kind: CustomResourceDefinition$/m);
    const kinds = (text: string) =>
      text.match(/^kind: .*$/gm)?.filter((k) => k !== 'kind: CustomResourceDefinition');
    assert.deepEqual(kinds(without), kinds(all));
  });

  for (const [input, expected] of [
    ['clusters/my-cluster', 'clusters/my-cluster'],
    ['./clusters/my-cluster/', 'clusters/my-cluster'],
    ['', ''],
    ['.', ''],
    ['a//b', 'a/b'],
    ['../outside', undefined],
    ['a/../../b', undefined],
    ['/abs', undefined],
  ] as const) {
    it(`normalizes --path '${input}'`, () => {
      assert.equal(normalizeRepoPath(input), expected);
    });
  }

  it('puts the files under <path>/flux-system', () => {
    assert.equal(manifestsDir(''), 'flux-system');
    assert.equal(manifestsDir('clusters/a'), 'clusters/a/flux-system');
  });
});
