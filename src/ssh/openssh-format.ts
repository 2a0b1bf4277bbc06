// OpenSSH's wire encodings (RFC 4251 strings, mpints) and its private key container
// (PROTOCOL.key, `openssh-key-v1`) for Ed25519: what `ssh -i` reads. Used by the git test
// server's generated keys and by the CLI's deploy keys.
import { randomBytes } from 'node:crypto';

export function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

export function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([uint32(bytes.length), bytes]);
}

/** An SSH mpint: big-endian, a leading zero byte when the top bit is set. */
export function mpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const trimmed = unsigned.subarray(start);
  const bytes = (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
  return sshString(bytes);
}

/** The `ssh-ed25519` public key blob of a 32-byte point. */
export function ed25519PublicBlob(point: Buffer): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(point)]);
}

/** The unencrypted `openssh-key-v1` container of an Ed25519 key (seed and point, 32 bytes each). */
export function openSshEd25519PrivateKey(seed: Buffer, point: Buffer, comment = ''): string {
  // Two equal random check words let a reader detect a wrong passphrase; unused when unencrypted.
  const check = randomBytes(4);
  const section = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(point),
    sshString(Buffer.concat([seed, point])),
    sshString(comment),
  ]);
  const padding = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1));
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    uint32(1),
    sshString(ed25519PublicBlob(point)),
    sshString(Buffer.concat([section, padding])),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return ['-----BEGIN OPENSSH PRIVATE KEY-----', ...lines, '-----END OPENSSH PRIVATE KEY-----', ''].join(
    '\n',
  );
}
