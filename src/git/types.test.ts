import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GitAuthError, GitInvalidInputError } from './errors.js';
import { authFromSecret, proxyFromSecret, secretsOf } from './types.js';

const CANARY = 'canary-7f3a9c2e';

describe('authFromSecret', () => {
  const cases: { name: string; url: string; data: Record<string, string | Buffer>; want: unknown }[] = [
    { name: 'empty secret', url: 'https://h/r.git', data: {}, want: { kind: 'none' } },
    {
      name: 'basic auth from Buffers',
      url: 'https://h/r.git',
      data: { username: Buffer.from('u'), password: Buffer.from('p') },
      want: { kind: 'basic', username: 'u', password: 'p' },
    },
    {
      name: 'username alone is basic with an empty password',
      url: 'https://h/r.git',
      data: { username: 'u' },
      want: { kind: 'basic', username: 'u', password: '' },
    },
    {
      name: 'bearerToken wins over username/password, as in Flux',
      url: 'https://h/r.git',
      data: { bearerToken: 't', username: 'u', password: 'p' },
      want: { kind: 'bearer', token: 't' },
    },
    {
      name: 'ca.crt wins over caFile; mTLS pair',
      url: 'https://h/r.git',
      data: { 'ca.crt': 'CA', caFile: 'OLD', 'tls.crt': 'CRT', 'tls.key': 'KEY' },
      want: { kind: 'none', tls: { caCert: 'CA', clientCert: 'CRT', clientKey: 'KEY' } },
    },
    {
      name: 'legacy caFile',
      url: 'https://h/r.git',
      data: { caFile: 'OLD' },
      want: { kind: 'none', tls: { caCert: 'OLD' } },
    },
    {
      name: 'URL userinfo when the Secret has none',
      url: 'https://user:p%40ss@h/r.git',
      data: {},
      want: { kind: 'basic', username: 'user', password: 'p@ss' },
    },
    {
      name: 'ssh with passphrase',
      url: 'ssh://git@h/r.git',
      data: { identity: 'ID', known_hosts: 'h ssh-ed25519 AAAA', password: 'pw', username: 'ignored' },
      want: { kind: 'ssh', identity: 'ID', knownHosts: 'h ssh-ed25519 AAAA', password: 'pw' },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(authFromSecret(c.url, c.data), c.want);
    });
  }

  const failures: { name: string; url: string; data: Record<string, string>; key: RegExp; type: unknown }[] =
    [
      {
        name: 'ssh without identity',
        url: 'ssh://git@h/r',
        data: { known_hosts: CANARY },
        key: /'identity'/,
        type: GitAuthError,
      },
      {
        name: 'ssh without known_hosts',
        url: 'ssh://git@h/r',
        data: { identity: CANARY },
        key: /'known_hosts'/,
        type: GitAuthError,
      },
      {
        name: 'password without username',
        url: 'https://h/r',
        data: { password: CANARY },
        key: /'username'/,
        type: GitAuthError,
      },
      {
        name: 'tls.crt without tls.key',
        url: 'https://h/r',
        data: { 'tls.crt': CANARY },
        key: /'tls.key'/,
        type: GitAuthError,
      },
      {
        name: 'tls.key without tls.crt',
        url: 'https://h/r',
        data: { 'tls.key': CANARY },
        key: /'tls.crt'/,
        type: GitAuthError,
      },
      { name: 'scp-like URL', url: 'git@h:r.git', data: {}, key: /URL|scheme/, type: GitInvalidInputError },
      { name: 'file URL', url: 'file:///etc', data: {}, key: /scheme/, type: GitInvalidInputError },
    ];
  for (const c of failures) {
    it(`rejects ${c.name}, naming the key but not the value`, () => {
      assert.throws(
        () => authFromSecret(c.url, c.data),
        (error: unknown) => {
          assert.ok(error instanceof (c.type as typeof Error), `wrong error type: ${String(error)}`);
          assert.match(error.message, c.key);
          assert.ok(
            !JSON.stringify([error.message, Object.entries(error)]).includes(CANARY),
            'canary leaked',
          );
          return true;
        },
      );
    });
  }
});

describe('proxyFromSecret', () => {
  it('needs address and keeps optional credentials', () => {
    assert.deepEqual(proxyFromSecret({ address: 'http://p:3128', username: 'u', password: 'p' }), {
      address: 'http://p:3128',
      username: 'u',
      password: 'p',
    });
    assert.throws(() => proxyFromSecret({ username: 'u' }), /'address'/);
  });
});

describe('secretsOf', () => {
  it('lists every secret value, including the Basic header encoding', () => {
    const secrets = secretsOf(
      { kind: 'basic', username: 'u', password: CANARY },
      { address: 'x', password: 'proxy-pw' },
    );
    assert.ok(secrets.includes(CANARY), 'password missing');
    assert.ok(secrets.includes(Buffer.from(`u:${CANARY}`).toString('base64')), 'basic header missing');
    assert.ok(secrets.includes('proxy-pw'), 'proxy password missing');
  });
});
