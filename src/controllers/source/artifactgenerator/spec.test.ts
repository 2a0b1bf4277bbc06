import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type {
  ArtifactGeneratorSpec,
  CopyOperation,
} from '../../../api/sourceextensions/artifactgenerator.js';
import { SpecError, containedPath, planArtifacts } from './spec.js';

function spec(
  copy: CopyOperation[],
  extra: Partial<ArtifactGeneratorSpec['artifacts'][number]> = {},
): ArtifactGeneratorSpec {
  return {
    sources: [{ alias: 'repo', kind: 'GitRepository', name: 'mono' }],
    artifacts: [{ name: 'apps', copy, ...extra }],
  };
}

describe('containedPath', () => {
  const cases: [string, string | undefined][] = [
    ['', ''],
    ['apps/', 'apps'],
    ['./apps//base/.', 'apps/base'],
    ['apps/../x', undefined],
    ['..', undefined],
    ['/etc/passwd', undefined],
    ['a\0b', undefined],
  ];
  for (const [input, want] of cases) {
    it(JSON.stringify(input), () => {
      assert.equal(containedPath(input), want);
    });
  }
});

describe('planArtifacts', () => {
  it('plans copies with normalized paths, glob flags and the default strategy', () => {
    const [plan] = planArtifacts(
      spec([
        { from: '@repo/apps/**', to: '@artifact/' },
        { from: '@repo/values.yaml', to: '@artifact/chart/values.yaml', strategy: 'Merge' },
      ]),
    );
    assert.deepEqual(
      plan?.copies.map((c) => [c.alias, c.pattern, c.glob, c.dest, c.destIsDir, c.strategy]),
      [
        ['repo', 'apps/**', true, '', true, 'Overwrite'],
        ['repo', 'values.yaml', false, 'chart/values.yaml', false, 'Merge'],
      ],
    );
  });

  const invalid: [string, ArtifactGeneratorSpec, RegExp][] = [
    [
      'from climbing out',
      spec([{ from: '@repo/../../etc/*', to: '@artifact/' }]),
      /artifact 'apps': spec\.artifacts\[0\]\.copy\[0\]\.from .*inside the source/,
    ],
    ['absolute from', spec([{ from: '@repo//etc/passwd', to: '@artifact/' }]), /copy\[0\]\.from/],
    [
      'to climbing out',
      spec([{ from: '@repo/a', to: '@artifact/../x' }]),
      /artifact 'apps': spec\.artifacts\[0\]\.copy\[0\]\.to .*inside the artifact/,
    ],
    ['unknown alias', spec([{ from: '@other/a', to: '@artifact/' }]), /names no source alias 'other'/],
    [
      'unknown revision alias',
      spec([{ from: '@repo/a', to: '@artifact/' }], { revision: '@nope' }),
      /\.revision '@nope'/,
    ],
    ['bad exclude', spec([{ from: '@repo/a', to: '@artifact/', exclude: ['[x'] }]), /exclude\[0\]/],
    ['bad destination', spec([{ from: '@repo/a', to: 'artifact/x' }]), /must be '@artifact\/<path>'/],
  ];
  for (const [name, s, message] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => planArtifacts(s),
        (err: unknown) => err instanceof SpecError && message.test(err.message),
      );
    });
  }

  it('refuses duplicate aliases and artifact names, and pathPattern', () => {
    const base = spec([{ from: '@repo/a', to: '@artifact/' }]);
    assert.throws(
      () => planArtifacts({ ...base, sources: [...base.sources, ...base.sources] }),
      /used by more than one source/,
    );
    assert.throws(
      () => planArtifacts({ ...base, artifacts: [...base.artifacts, ...base.artifacts] }),
      /used by more than one artifact/,
    );
    assert.throws(
      () => planArtifacts({ ...base, pathPattern: '@repo/apps/{app}' }),
      /pathPattern is not supported/,
    );
  });
});
