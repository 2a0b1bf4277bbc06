// SSH key pairs for Git deploy keys, as the flux CLI makes them: ECDSA (P-384 by
// default) and RSA private keys in PEM, Ed25519 in OpenSSH's format, the public key as
// an authorized_keys line. Keys from --private-key-file are read in any format
// OpenSSH writes, encrypted ones with --password.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';
import { mpint, openSshEd25519PrivateKey, sshString } from '../../ssh/openssh-format.js';

// ssh2 is CommonJS; only its default export is visible to Node's ESM loader.
const { utils } = ssh2;

export const KEY_ALGORITHMS = ['ecdsa', 'rsa', 'ed25519'] as const;
export type KeyAlgorithm = (typeof KEY_ALGORITHMS)[number];
export const ECDSA_CURVES = ['p256', 'p384', 'p521'] as const;
export type EcdsaCurve = (typeof ECDSA_CURVES)[number];

export interface SshKeyPair {
  /** What goes into the Secret's `identity`: PEM or OpenSSH private key text. */
  readonly privateKey: string;
  /** authorized_keys line without a comment (`ecdsa-sha2-nistp384 AAAA…`). */
  readonly publicKey: string;
}

const CURVE_NAMES: Readonly<Record<EcdsaCurve, { node: string; ssh: string }>> = {
  p256: { node: 'prime256v1', ssh: 'nistp256' },
  p384: { node: 'secp384r1', ssh: 'nistp384' },
  p521: { node: 'secp521r1', ssh: 'nistp521' },
};
const JWK_CURVES: Readonly<Record<string, string>> = {
  'P-256': 'nistp256',
  'P-384': 'nistp384',
  'P-521': 'nistp521',
};

export function generateKeyPair(
  algorithm: KeyAlgorithm,
  opts: { readonly rsaBits?: number; readonly curve?: EcdsaCurve } = {},
): SshKeyPair {
  switch (algorithm) {
    case 'rsa': {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: opts.rsaBits ?? 2048 });
      return {
        privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        publicKey: publicKeyLine(privateKey),
      };
    }
    case 'ecdsa': {
      const curve = CURVE_NAMES[opts.curve ?? 'p384'];
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: curve.node });
      return {
        privateKey: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
        publicKey: publicKeyLine(privateKey),
      };
    }
    case 'ed25519': {
      const { privateKey } = generateKeyPairSync('ed25519');
      const jwk = privateKey.export({ format: 'jwk' });
      const seed = Buffer.from(jwk.d ?? '', 'base64url');
      const point = Buffer.from(jwk.x ?? '', 'base64url');
      return { privateKey: openSshEd25519PrivateKey(seed, point), publicKey: publicKeyLine(privateKey) };
    }
  }
}

/**
 * Reads a private key as given to --private-key-file (PEM, PKCS#8 or OpenSSH, possibly
 * encrypted with `password`); the key text is kept as is, the public key derived.
 */
export function loadKeyPair(text: string, password?: string): SshKeyPair {
  try {
    const key = createPrivateKey(
      password === undefined ? { key: text } : { key: text, passphrase: password },
    );
    return { privateKey: text, publicKey: publicKeyLine(key) };
  } catch {
    // Not a format OpenSSL reads (OpenSSH's own format, ssh-keygen's default): ssh2 reads it.
  }
  const parsed = utils.parseKey(text, password);
  const key = Array.isArray(parsed) ? (parsed[0] as unknown) : parsed;
  if (key instanceof Error || key === undefined || !(key as ParsedKey).isPrivateKey()) {
    throw new Error(
      password === undefined
        ? 'not a private key in a format tide reads (PEM, PKCS#8 or OpenSSH), or it is encrypted (give its passphrase with --password)'
        : 'not a private key in a format tide reads (PEM, PKCS#8 or OpenSSH), or --password is not its passphrase',
    );
  }
  const parsedKey = key as ParsedKey;
  return { privateKey: text, publicKey: `${parsedKey.type} ${parsedKey.getPublicSSH().toString('base64')}` };
}

/** The authorized_keys line of a key pair's public half. */
export function publicKeyLine(key: KeyObject): string {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const b = (v: string | undefined): Buffer => Buffer.from(v ?? '', 'base64url');
  let blob: Buffer;
  let type: string;
  if (jwk.kty === 'RSA') {
    type = 'ssh-rsa';
    blob = Buffer.concat([sshString(type), mpint(b(jwk.e)), mpint(b(jwk.n))]);
  } else if (jwk.kty === 'EC') {
    const curve = JWK_CURVES[jwk.crv ?? ''];
    if (curve === undefined) throw new Error(`unsupported ECDSA curve ${jwk.crv ?? ''}`);
    type = `ecdsa-sha2-${curve}`;
    blob = Buffer.concat([
      sshString(type),
      sshString(curve),
      sshString(Buffer.concat([Buffer.from([4]), b(jwk.x), b(jwk.y)])),
    ]);
  } else if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    type = 'ssh-ed25519';
    blob = Buffer.concat([sshString(type), sshString(b(jwk.x))]);
  } else {
    throw new Error(`unsupported key type ${jwk.kty ?? ''}`);
  }
  return `${type} ${blob.toString('base64')}`;
}
