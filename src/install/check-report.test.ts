import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  MIN_KUBERNETES_VERSION,
  compareVersions,
  countFailed,
  failed,
  formatCheckReport,
  info,
  kubernetesVersionEntry,
  ok,
  parseKubernetesVersion,
  type CheckSection,
  type KubeVersion,
} from './check-report.js';
import { versionFromImage } from './versions.js';

describe('parseKubernetesVersion', () => {
  const cases: [string, KubeVersion | undefined][] = [
    ['v1.36.3', { major: 1, minor: 36, patch: 3 }],
    ['1.31', { major: 1, minor: 31, patch: 0 }],
    ['v1.30.2-eks-2d98532', { major: 1, minor: 30, patch: 2 }],
    ['v1.29.0+k3s1', { major: 1, minor: 29, patch: 0 }],
    ['v1.32.0-rc.1', { major: 1, minor: 32, patch: 0 }],
    ['', undefined],
    ['latest', undefined],
    ['v1', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`reads '${text}'`, () => {
      assert.deepEqual(parseKubernetesVersion(text), expected);
    });
  }
});

describe('compareVersions', () => {
  const v = (text: string): KubeVersion => {
    const parsed = parseKubernetesVersion(text);
    assert.ok(parsed !== undefined, text);
    return parsed;
  };
  const cases: [string, string, number][] = [
    ['1.30.0', '1.30.0', 0],
    ['1.30.1', '1.30.0', 1],
    ['1.29.9', '1.30.0', -1],
    // Numeric, not lexical: 1.100 is newer than 1.30.
    ['1.100.0', '1.30.0', 1],
    ['2.0.0', '1.99.99', 1],
  ];
  for (const [a, b, sign] of cases) {
    it(`${a} vs ${b}`, () => {
      assert.equal(Math.sign(compareVersions(v(a), v(b))), sign);
    });
  }
});

describe('kubernetesVersionEntry', () => {
  it('passes at and above the minimum', () => {
    assert.deepEqual(kubernetesVersionEntry('v1.36.3'), ok(`Kubernetes 1.36.3 >=${MIN_KUBERNETES_VERSION}`));
    assert.equal(kubernetesVersionEntry(`v${MIN_KUBERNETES_VERSION}`).status, 'ok');
    assert.equal(kubernetesVersionEntry('v1.30.0-gke.100').status, 'ok');
  });

  it('fails below the minimum, saying what to do', () => {
    const entry = kubernetesVersionEntry('v1.29.15');
    assert.equal(entry.status, 'failed');
    assert.match(entry.message, /Kubernetes 1\.29\.15 >=1\.30\.0 .*upgrade it to 1\.30\.0 or later/);
  });

  it('fails on a version it cannot read', () => {
    assert.deepEqual(
      kubernetesVersionEntry('vNext'),
      failed("cannot read the Kubernetes version 'vNext' the API server reports"),
    );
  });

  it('takes another minimum', () => {
    assert.equal(kubernetesVersionEntry('v1.31.0', '1.32').status, 'failed');
  });
});

describe('formatCheckReport', () => {
  const sections: CheckSection[] = [
    { title: 'prerequisites', entries: [ok('Kubernetes 1.36.3 >=1.30.0')] },
    {
      title: 'controllers',
      entries: [
        ok('source-controller: deployment ready'),
        info('ghcr.io/tide-gitops/tide:v0.1.0'),
        failed(
          'kustomize-controller: Deployment does not have minimum availability: 0 of 1 replica available',
        ),
      ],
    },
    { title: 'crds', entries: [] },
  ];
  const plain = { green: (t: string) => t, red: (t: string) => t };

  it('writes a title line per section and a marked line per finding', () => {
    assert.deepEqual(formatCheckReport(sections, plain), [
      '► checking prerequisites',
      '✔ Kubernetes 1.36.3 >=1.30.0',
      '► checking controllers',
      '✔ source-controller: deployment ready',
      '► ghcr.io/tide-gitops/tide:v0.1.0',
      '✗ kustomize-controller: Deployment does not have minimum availability: 0 of 1 replica available',
      '► checking crds',
    ]);
  });

  it('colours only the marks', () => {
    const lines = formatCheckReport(sections, { green: (t) => `<g>${t}</g>`, red: (t) => `<r>${t}</r>` });
    assert.equal(lines[1], '<g>✔</g> Kubernetes 1.36.3 >=1.30.0');
    assert.match(lines[5] ?? '', /^<r>✗<\/r> kustomize-controller/);
    assert.equal(lines[4], '► ghcr.io/tide-gitops/tide:v0.1.0');
  });

  it('counts the failed findings', () => {
    assert.equal(countFailed(sections), 1);
    assert.equal(countFailed([]), 0);
  });
});

describe('versionFromImage', () => {
  const cases: [string, string][] = [
    ['ghcr.io/tide-gitops/tide:v0.1.0', '0.1.0'],
    ['ghcr.io/tide-gitops/tide:0.2.0-rc.1', '0.2.0-rc.1'],
    ['registry.example.com:5000/tide:v1.0.0', '1.0.0'],
    ['registry.example.com:5000/tide', 'latest'],
    ['tide:main', 'main'],
    ['ghcr.io/tide-gitops/tide:v0.1.0@sha256:abcd', '0.1.0'],
    ['ghcr.io/tide-gitops/tide@sha256:abcd', 'sha256:abcd'],
  ];
  for (const [image, expected] of cases) {
    it(image, () => {
      assert.equal(versionFromImage(image), expected);
    });
  }
});
