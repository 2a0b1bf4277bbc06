// In-process verification of OpenSSH signatures (PROTOCOL.sshsig), as `git -c gpg.format=ssh`
// produces them, against authorized_keys-format public keys. Supports ssh-ed25519, rsa-sha2-256/512
// and ecdsa-sha2-nistp256/384/521; security-key (sk-*) signatures are refused.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { VerificationError } from './errors.js';

const MAGIC = Buffer.from('SSHSIG');
const KEY_TYPES = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const CURVES: Record<string, { crv: string; hash: string; size: number } | undefined> = {
  nistp256: { crv: 'P-256', hash: 'sha256', size: 32 },
  nistp384: { crv: 'P-384', hash: 'sha384', size: 48 },
  nistp521: { crv: 'P-521', hash: 'sha512', size: 66 },
};

export interface SshPublicKey {
  type: string;
  /** The SSH wire-format public key blob. */
  blob: Buffer;
  /** `SHA256:<base64, unpadded>`, as ssh-keygen -l prints it. */
  fingerprint: string;
}

/** Parses authorized_keys lines (options before the key type are skipped); `source` names the entry. */
export function parseAuthorizedKeys(text: string, source: string): SshPublicKey[] {
  const keys: SshPublicKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    const at = fields.findIndex((field) => KEY_TYPES.has(field));
    const blob = at < 0 ? undefined : Buffer.from(fields[at + 1] ?? '', 'base64');
    if (blob === undefined || blob.length === 0 || readString(blob, 0)?.value.toString() !== fields[at]) {
      throw new VerificationError('invalid-keys', `${source}: a line is not an SSH public key`);
    }
    keys.push({ type: fields[at] ?? '', blob, fingerprint: fingerprintOf(blob) });
  }
  return keys;
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Verifies an armored SSH signature over `payload` in `namespace` and returns the signing key's
 * fingerprint; throws VerificationError for an unknown key or a signature that does not verify.
 */
export function verifySshSignature(
  armored: string,
  payload: Buffer,
  trusted: readonly SshPublicKey[],
  namespace = 'git',
): string {
  const sig = parseSshSignature(armored);
  const fingerprint = fingerprintOf(sig.publicKey);
  const key = trusted.find((candidate) => candidate.blob.equals(sig.publicKey));
  if (key === undefined) {
    throw new VerificationError('unknown-key', `signed by SSH key ${fingerprint}, which is not trusted`);
  }
  const bad = (why: string): VerificationError =>
    new VerificationError('invalid-signature', `SSH signature by ${fingerprint} ${why}`);
  if (sig.namespace !== namespace)
    throw bad(`is for namespace ${JSON.stringify(sig.namespace)}, not "${namespace}"`);
  if (sig.hashAlgorithm !== 'sha256' && sig.hashAlgorithm !== 'sha512') throw bad('uses an unsupported hash');
  const signed = Buffer.concat([
    MAGIC,
    sshString(Buffer.from(sig.namespace)),
    sshString(sig.reserved),
    sshString(Buffer.from(sig.hashAlgorithm)),
    sshString(createHash(sig.hashAlgorithm).update(payload).digest()),
  ]);
  if (!checkSignature(key.blob, sig.signature, signed)) throw bad('does not verify');
  return key.fingerprint;
}

interface ParsedSignature {
  publicKey: Buffer;
  namespace: string;
  reserved: Buffer;
  hashAlgorithm: string;
  signature: Buffer;
}

function parseSshSignature(armored: string): ParsedSignature {
  const body = armored
    .split(/\r?\n/)
    .filter((line) => line !== '' && !line.startsWith('-----'))
    .join('');
  const blob = Buffer.from(body, 'base64');
  const malformed = (): VerificationError =>
    new VerificationError('invalid-signature', 'malformed SSH signature');
  if (!blob.subarray(0, 6).equals(MAGIC) || blob.length < 10 || blob.readUInt32BE(6) !== 1) throw malformed();
  const fields: Buffer[] = [];
  let offset = 10;
  for (let i = 0; i < 5; i++) {
    const field = readString(blob, offset);
    if (field === undefined) throw malformed();
    fields.push(field.value);
    offset = field.next;
  }
  const [publicKey, namespace, reserved, hashAlgorithm, signature] = fields as [
    Buffer,
    Buffer,
    Buffer,
    Buffer,
    Buffer,
  ];
  return {
    publicKey,
    namespace: namespace.toString('utf8'),
    reserved,
    hashAlgorithm: hashAlgorithm.toString('utf8'),
    signature,
  };
}

/** Verifies an SSH signature blob (`string format, string bytes`) with the key in `keyBlob`. */
function checkSignature(keyBlob: Buffer, signatureBlob: Buffer, data: Buffer): boolean {
  const format = readString(signatureBlob, 0);
  const bytes = format === undefined ? undefined : readString(signatureBlob, format.next);
  if (format === undefined || bytes === undefined) return false;
  const algorithm = format.value.toString();
  const key = keyFromBlob(keyBlob);
  if (key === undefined) return false;
  try {
    if (key.type === 'ssh-ed25519' && algorithm === 'ssh-ed25519') {
      return verify(null, data, key.object, bytes.value);
    }
    if (key.type === 'ssh-rsa' && (algorithm === 'rsa-sha2-256' || algorithm === 'rsa-sha2-512')) {
      return verify(algorithm === 'rsa-sha2-256' ? 'sha256' : 'sha512', data, key.object, bytes.value);
    }
    const curve = CURVES[key.type.replace('ecdsa-sha2-', '')];
    if (key.type.startsWith('ecdsa-sha2-') && algorithm === key.type && curve !== undefined) {
      const rs = ecdsaSignature(bytes.value, curve.size);
      return rs !== undefined && verify(curve.hash, data, { key: key.object, dsaEncoding: 'ieee-p1363' }, rs);
    }
  } catch {
    return false;
  }
  return false;
}

function keyFromBlob(blob: Buffer): { type: string; object: KeyObject } | undefined {
  const type = readString(blob, 0);
  if (type === undefined) return undefined;
  const name = type.value.toString();
  const first = readString(blob, type.next);
  const second = first === undefined ? undefined : readString(blob, first.next);
  const b64url = (b: Buffer): string => b.toString('base64url');
  try {
    if (name === 'ssh-ed25519' && first !== undefined) {
      return {
        type: name,
        object: createPublicKey({
          key: { kty: 'OKP', crv: 'Ed25519', x: b64url(first.value) },
          format: 'jwk',
        }),
      };
    }
    if (name === 'ssh-rsa' && first !== undefined && second !== undefined) {
      const jwk = { kty: 'RSA', e: b64url(stripMpint(first.value)), n: b64url(stripMpint(second.value)) };
      return { type: name, object: createPublicKey({ key: jwk, format: 'jwk' }) };
    }
    const curve = CURVES[name.replace('ecdsa-sha2-', '')];
    if (name.startsWith('ecdsa-sha2-') && curve !== undefined && second?.value[0] === 4) {
      const point = second.value.subarray(1);
      const jwk = {
        kty: 'EC',
        crv: curve.crv,
        x: b64url(point.subarray(0, curve.size)),
        y: b64url(point.subarray(curve.size)),
      };
      return { type: name, object: createPublicKey({ key: jwk, format: 'jwk' }) };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** SSH ECDSA signatures are `mpint r, mpint s`; WebCrypto-style verification wants r||s. */
function ecdsaSignature(blob: Buffer, size: number): Buffer | undefined {
  const r = readString(blob, 0);
  const s = r === undefined ? undefined : readString(blob, r.next);
  if (r === undefined || s === undefined) return undefined;
  const pad = (n: Buffer): Buffer | undefined => {
    const trimmed = stripMpint(n);
    if (trimmed.length > size) return undefined;
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]);
  };
  const rr = pad(r.value);
  const ss = pad(s.value);
  return rr === undefined || ss === undefined ? undefined : Buffer.concat([rr, ss]);
}

function stripMpint(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  return value.subarray(start);
}

function readString(buf: Buffer, offset: number): { value: Buffer; next: number } | undefined {
  if (offset + 4 > buf.length) return undefined;
  const length = buf.readUInt32BE(offset);
  const end = offset + 4 + length;
  if (end > buf.length) return undefined;
  return { value: buf.subarray(offset + 4, end), next: end };
}

function sshString(value: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(value.length);
  return Buffer.concat([length, value]);
}
