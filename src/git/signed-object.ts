// Splits a raw commit or tag object into the signed payload and its signature, as git does:
// commits carry the signature in a `gpgsig` header (continuation lines indented by one space),
// tags append it after the message.

export type SignatureFormat = 'openpgp' | 'ssh' | 'x509';

export interface SignedObject {
  /** The exact bytes that were signed. */
  payload: Buffer;
  /** Armored signature, or undefined for an unsigned object. */
  signature: string | undefined;
  format: SignatureFormat | undefined;
}

const SIGNATURE_STARTS: readonly [string, SignatureFormat][] = [
  ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
  ['-----BEGIN PGP MESSAGE-----', 'openpgp'],
  ['-----BEGIN SSH SIGNATURE-----', 'ssh'],
  ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
];

/**
 * `gpgsig` signs SHA-1 objects, `gpgsig-sha256` SHA-256 ones; both headers are excluded from
 * the payload, as git does when it signs.
 */
export function splitCommit(raw: Buffer, hashAlgorithm: 'sha1' | 'sha256' = 'sha1'): SignedObject {
  const wanted = hashAlgorithm === 'sha1' ? 'gpgsig' : 'gpgsig-sha256';
  const headerEnd = raw.indexOf('\n\n');
  const headers = (headerEnd < 0 ? raw : raw.subarray(0, headerEnd + 1)).toString('latin1');
  const body = headerEnd < 0 ? Buffer.alloc(0) : raw.subarray(headerEnd + 1);
  const kept: string[] = [];
  let signature: string[] | undefined;
  let current: string[] | undefined;
  for (const line of headers.split('\n').slice(0, -1)) {
    if (line.startsWith(' ') && current !== undefined) {
      current.push(line.slice(1));
      continue;
    }
    current = undefined;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    if (key === 'gpgsig' || key === 'gpgsig-sha256') {
      current = [line.slice(space + 1)];
      if (key === wanted) signature = current;
      continue;
    }
    kept.push(line);
  }
  const payload = Buffer.concat([Buffer.from(kept.map((l) => `${l}\n`).join(''), 'latin1'), body]);
  if (signature === undefined) return { payload: raw, signature: undefined, format: undefined };
  const text = `${signature.join('\n')}\n`;
  return { payload, signature: text, format: formatOf(text) };
}

/** The signature is the last block that starts a line with a known BEGIN marker. */
export function splitTag(raw: Buffer): SignedObject {
  const text = raw.toString('latin1');
  let start = -1;
  let format: SignatureFormat | undefined;
  for (let offset = 0; offset < text.length;) {
    const next = text.indexOf('\n', offset);
    const lineEnd = next < 0 ? text.length : next + 1;
    const found = SIGNATURE_STARTS.find(([marker]) => text.startsWith(marker, offset));
    if (found !== undefined) {
      start = offset;
      format = found[1];
    }
    offset = lineEnd;
  }
  if (start < 0) return { payload: raw, signature: undefined, format: undefined };
  return {
    payload: raw.subarray(0, start),
    signature: raw.subarray(start).toString('utf8'),
    format,
  };
}

function formatOf(signature: string): SignatureFormat | undefined {
  return SIGNATURE_STARTS.find(([marker]) => signature.startsWith(marker))?.[1];
}
