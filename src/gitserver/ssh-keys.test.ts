import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ed25519KeyPairFromSeed,
  generateEd25519KeyPair,
  knownHostsLine,
  parseSshKey,
  publicKeyLine,
} from './ssh-keys.js';

describe('ed25519KeyPairFromSeed', () => {
  it('encodes keys whose public half starts with zero bytes', () => {
    // This seed's public key begins 0x0000; ssh2's own generator mangles such keys.
    const seed = Buffer.alloc(32);
    seed[31] = 36;
    const pair = ed25519KeyPairFromSeed(seed, 'zero-prefixed');
    const privateKey = parseSshKey(pair.privateKey, 'private key');
    const publicKey = parseSshKey(pair.publicKey, 'public key');
    assert.match(pair.publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAH4vq/);
    assert.equal(publicKeyLine(privateKey), publicKeyLine(publicKey));
    const signature = privateKey.sign(Buffer.from('data'));
    assert.equal(publicKey.verify(Buffer.from('data'), signature), true);
  });
});

describe('knownHostsLine', () => {
  it('brackets non-default ports and omits the comment', () => {
    const pair = generateEd25519KeyPair('host');
    const key = parseSshKey(pair.privateKey, 'host key');
    const blob = pair.publicKey.split(' ')[1] ?? '';
    assert.equal(knownHostsLine('127.0.0.1', 2222, key), `[127.0.0.1]:2222 ssh-ed25519 ${blob}`);
    assert.equal(knownHostsLine('example.com', 22, key), `example.com ssh-ed25519 ${blob}`);
  });
});
