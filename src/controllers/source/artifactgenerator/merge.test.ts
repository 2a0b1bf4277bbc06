import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { MergeError, mergeValues, mergeYaml } from './merge.js';

describe('mergeValues', () => {
  it('merges maps recursively and replaces arrays and scalars, like helm -f', () => {
    const base = {
      image: { repository: 'podinfo', tag: '6.0.0' },
      replicas: 1,
      hosts: ['a', 'b'],
      keep: true,
    };
    const overlay = { image: { tag: '6.1.0' }, replicas: 3, hosts: ['c'], extra: { x: 1 } };
    assert.deepEqual(mergeValues(base, overlay), {
      image: { repository: 'podinfo', tag: '6.1.0' },
      replicas: 3,
      hosts: ['c'],
      keep: true,
      extra: { x: 1 },
    });
  });

  it('lets an overlay null or scalar replace a map', () => {
    assert.deepEqual(mergeValues({ a: { b: 1 } }, { a: null }), { a: null });
    assert.deepEqual(mergeValues({ a: { b: 1 } }, { a: 'x' }), { a: 'x' });
  });

  it('keeps a __proto__ key a plain key', () => {
    const merged = mergeValues(
      {},
      JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>,
    );
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.deepEqual(Object.keys(merged), ['__proto__']);
  });
});

describe('mergeYaml', () => {
  it('merges two YAML files into one mapping', () => {
    const out = mergeYaml('a: 1\nb:\n  c: 2\n', 'b:\n  d: 3\n', {
      base: 'values.yaml',
      overlay: 'prod.yaml',
    });
    assert.deepEqual(parse(out), { a: 1, b: { c: 2, d: 3 } });
  });

  it('treats an empty file as an empty mapping', () => {
    assert.deepEqual(parse(mergeYaml('', 'a: 1\n', { base: 'x', overlay: 'y' })), { a: 1 });
  });

  it('refuses several documents, lists and invalid YAML, naming the file', () => {
    assert.throws(
      () => mergeYaml('a: 1\n---\nb: 2\n', 'a: 1', { base: 'x.yaml', overlay: 'y' }),
      /x\.yaml holds 2/,
    );
    assert.throws(() => mergeYaml('- a\n', 'a: 1', { base: 'list.yaml', overlay: 'y' }), MergeError);
    assert.throws(
      () => mergeYaml('a: 1', 'a: [1\n', { base: 'x', overlay: 'bad.yaml' }),
      /bad\.yaml is not valid YAML/,
    );
  });
});
