import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command } from 'commander';
import { addKustomizeControllerFlags, kustomizeControllerFlagsFrom } from './options.js';

function parse(args: string[]): ReturnType<typeof kustomizeControllerFlagsFrom> {
  const cmd = addKustomizeControllerFlags(new Command('kc')).exitOverride();
  cmd.parse(args, { from: 'user' });
  return kustomizeControllerFlagsFrom(cmd);
}

test("Flux's defaults", () => {
  const o = parse([]);
  assert.equal(o.requeueDependencyMs, 30_000);
  assert.equal(o.noCrossNamespaceRefs, false);
  assert.equal(o.noRemoteBases, false);
  assert.equal(o.concurrentSsa, 4);
  assert.equal(o.httpRetry, 9);
  assert.equal(o.strictSubstitutions, true);
  assert.equal(o.defaultServiceAccount, undefined);
});

test("Flux's flag spellings carry over", () => {
  const o = parse([
    '--no-cross-namespace-refs=true',
    '--no-remote-bases',
    '--default-service-account=default',
    '--requeue-dependency=5s',
    '--custom-apply-stage-kinds=Issuer,cert-manager.io/ClusterIssuer',
    '--feature-gates=StrictPostBuildSubstitutions=false',
    '--insecure-kubeconfig-tls=true',
  ]);
  assert.equal(o.noCrossNamespaceRefs, true);
  assert.equal(o.noRemoteBases, true);
  assert.equal(o.defaultServiceAccount, 'default');
  assert.equal(o.requeueDependencyMs, 5000);
  assert.deepEqual(o.customApplyStageKinds, ['Issuer', 'cert-manager.io/ClusterIssuer']);
  assert.equal(o.strictSubstitutions, false);
  assert.equal(o.insecureKubeConfigTls, true);
});

test('--no-x, --no-x=true and --no-x=false', () => {
  assert.equal(parse(['--no-cross-namespace-refs']).noCrossNamespaceRefs, true);
  assert.equal(parse(['--no-cross-namespace-refs=false']).noCrossNamespaceRefs, false);
  assert.equal(parse(['--no-remote-bases=true']).noRemoteBases, true);
  assert.equal(parse(['--no-remote-bases=false']).noRemoteBases, false);
});

test('an unknown feature gate is refused', () => {
  assert.throws(() => parse(['--feature-gates=Nope=true']), /unknown feature gate "Nope"/);
});
