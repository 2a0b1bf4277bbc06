import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateKeyPair, loadKeyPair, type EcdsaCurve, type KeyAlgorithm } from './ssh-keys.js';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const fixture = (name: string): string => readFileSync(path.join(testdata, name), 'utf8');
const publicOf = (name: string): string => fixture(`${name}.pub`).trim();

/** What OpenSSH itself derives from the private key: the keys must be usable by ssh. */
function opensshPublicKey(privateKey: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tide-key-'));
  try {
    const file = path.join(dir, 'id');
    writeFileSync(file, privateKey, { mode: 0o600 });
    return execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('generateKeyPair', () => {
  const cases: {
    algorithm: KeyAlgorithm;
    curve?: EcdsaCurve;
    rsaBits?: number;
    type: string;
    pem: RegExp;
  }[] = [
    { algorithm: 'ecdsa', type: 'ecdsa-sha2-nistp384', pem: /^-----BEGIN EC PRIVATE KEY-----/ },
    {
      algorithm: 'ecdsa',
      curve: 'p256',
      type: 'ecdsa-sha2-nistp256',
      pem: /^-----BEGIN EC PRIVATE KEY-----/,
    },
    {
      algorithm: 'ecdsa',
      curve: 'p521',
      type: 'ecdsa-sha2-nistp521',
      pem: /^-----BEGIN EC PRIVATE KEY-----/,
    },
    { algorithm: 'rsa', rsaBits: 2048, type: 'ssh-rsa', pem: /^-----BEGIN RSA PRIVATE KEY-----/ },
    { algorithm: 'ed25519', type: 'ssh-ed25519', pem: /^-----BEGIN OPENSSH PRIVATE KEY-----/ },
  ];
  for (const c of cases) {
    it(`${c.algorithm} ${c.curve ?? c.rsaBits ?? ''}: a private key OpenSSH reads, whose public key we print`, () => {
      const pair = generateKeyPair(c.algorithm, {
        ...(c.curve === undefined ? {} : { curve: c.curve }),
        ...(c.rsaBits === undefined ? {} : { rsaBits: c.rsaBits }),
      });
      assert.match(pair.privateKey, c.pem);
      assert.equal(pair.publicKey.split(' ')[0], c.type);
      assert.equal(opensshPublicKey(pair.privateKey), pair.publicKey);
    });
  }

  it('makes a new key every time', () => {
    assert.notEqual(generateKeyPair('ed25519').publicKey, generateKeyPair('ed25519').publicKey);
  });
});

describe('loadKeyPair', () => {
  it('reads a PEM key and keeps its text as the identity', () => {
    const text = fixture('ecdsa-p256.pem');
    const pair = loadKeyPair(text);
    assert.equal(pair.privateKey, text);
    assert.equal(pair.publicKey, publicOf('ecdsa-p256.pem'));
  });

  it("reads an encrypted key in OpenSSH's format with its passphrase", () => {
    const pair = loadKeyPair(fixture('ed25519-encrypted.key'), 'fixture-pass');
    assert.equal(pair.publicKey, publicOf('ed25519-encrypted.key'));
  });

  it('says what is wrong with an encrypted key without or with a wrong passphrase', () => {
    assert.throws(
      () => loadKeyPair(fixture('ed25519-encrypted.key')),
      /encrypted \(give its passphrase with --password\)/,
    );
    assert.throws(
      () => loadKeyPair(fixture('ed25519-encrypted.key'), 'nope'),
      /--password is not its passphrase/,
    );
  });

  it('refuses what is not a private key', () => {
    assert.throws(() => loadKeyPair(publicOf('ecdsa-p256.pem')), /not a private key/);
  });
});
