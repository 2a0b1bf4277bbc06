import { createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { ed25519PublicBlob, openSshEd25519PrivateKey } from '../ssh/openssh-format.js';
import ssh2, { type ParsedKey } from 'ssh2';

// ssh2 is CommonJS without statically detectable exports, so Node's ESM loader only offers the
// default export; named value imports would work under tsx but fail in the built output.
const { utils } = ssh2;

export interface SshKeyPair {
  /** OpenSSH private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), what `ssh -i` accepts. */
  privateKey: string;
  /** authorized_keys line: `ssh-ed25519 AAAA… comment`. */
  publicKey: string;
}

/**
 * Generates an ed25519 key pair in OpenSSH formats. Not via ssh2's `generateKeyPairSync`: it drops
 * a leading zero byte of the public key (~1 key in 256), yielding keys that neither ssh2 nor
 * OpenSSH can parse. Node's crypto gives the raw 32-byte halves, encoded here per PROTOCOL.key.
 */
export function generateEd25519KeyPair(comment: string): SshKeyPair {
  return ed25519KeyPairFromSeed(randomBytes(32), comment);
}

/** PKCS#8 DER header for a raw 32-byte ed25519 private key (RFC 8410). */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Deterministic key pair for a 32-byte seed; exposed so the encoding can be tested. */
export function ed25519KeyPairFromSeed(seed: Buffer, comment: string): SshKeyPair {
  if (seed.length !== 32) {
    throw new Error('an ed25519 seed is 32 bytes');
  }
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const point = Buffer.from(createPublicKey(privateKey).export({ format: 'jwk' }).x ?? '', 'base64url');
  const publicBlob = ed25519PublicBlob(point);
  return {
    privateKey: openSshEd25519PrivateKey(seed, point, comment),
    publicKey: `ssh-ed25519 ${publicBlob.toString('base64')} ${comment}`,
  };
}

/** Parses one OpenSSH key (public or unencrypted private), throwing with a useful message. */
export function parseSshKey(text: string, what: string): ParsedKey {
  const parsed = utils.parseKey(text);
  if (parsed instanceof Error) {
    throw new Error(`cannot parse ${what}: ${parsed.message}`);
  }
  const key = Array.isArray(parsed) ? (parsed as ParsedKey[])[0] : parsed;
  if (key === undefined) {
    throw new Error(`cannot parse ${what}: no key found`);
  }
  return key;
}

/** `type base64` of a key, without comment, as known_hosts and authorized_keys expect. */
export function publicKeyLine(key: ParsedKey): string {
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

/** OpenSSH writes non-default ports as `[host]:port` in known_hosts; plain host for port 22. */
export function knownHostsLine(host: string, port: number, key: ParsedKey): string {
  const hostPattern = port === 22 ? host : `[${host}]:${port}`;
  return `${hostPattern} ${publicKeyLine(key)}`;
}
