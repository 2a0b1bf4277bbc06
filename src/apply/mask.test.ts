import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../api/object.js';
import { MASK, secretMasker } from './mask.js';

const secret = (body: Record<string, unknown>, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'ns', annotations },
  ...body,
});

describe('secret masking', () => {
  it('masks data values raw and decoded, stringData raw and encoded', () => {
    const b64 = Buffer.from('hunter2-password').toString('base64');
    const mask = secretMasker(secret({ data: { pw: b64 }, stringData: { token: 'tok-CANARY-123' } }));
    const text = `data[pw]: ${b64} decoded hunter2-password; token tok-CANARY-123 as ${Buffer.from('tok-CANARY-123').toString('base64')}`;
    const out = mask(text);
    assert.equal(out, `data[pw]: ${MASK} decoded ${MASK}; token ${MASK} as ${MASK}`);
  });

  it('masks values that are not valid base64 and their JSON-escaped form', () => {
    const mask = secretMasker(
      secret({ data: { k: 'not-base64!!CANARY' }, stringData: { q: 'say "hi"\nbye' } }),
    );
    assert.equal(mask('Invalid value: "not-base64!!CANARY"'), `Invalid value: "${MASK}"`);
    assert.equal(mask('value: "say \\"hi\\"\\nbye"'), `value: "${MASK}"`);
  });

  it('masks short values only where they stand alone', () => {
    const mask = secretMasker(secret({ stringData: { pin: '42' } }));
    assert.equal(mask('pin "42" rejected for Secret 1422'), `pin "${MASK}" rejected for Secret 1422`);
  });

  it('masks the last-applied annotation and leaves other kinds alone', () => {
    const mask = secretMasker(
      secret({}, { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}' }),
    );
    assert.equal(mask('annotation {"data":{"k":"c2VjcmV0"}} x'), `annotation ${MASK} x`);
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { k: 'visible' },
    } as KubeObject;
    assert.equal(secretMasker(cm)('visible'), 'visible');
  });
});
