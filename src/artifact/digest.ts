// `<algorithm>:<hex>` digests as carried in Artifact.digest.
import { createHash, timingSafeEqual, type Hash } from 'node:crypto';

const SUPPORTED = { sha256: 64, sha384: 96, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof SUPPORTED;

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
}

export function parseDigest(digest: string): ParsedDigest {
  const colon = digest.indexOf(':');
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1).toLowerCase();
  if (colon < 0 || !(algorithm in SUPPORTED))
    throw new Error(`unsupported digest "${digest.slice(0, 80)}" (want sha256, sha384 or sha512)`);
  const algo = algorithm as DigestAlgorithm;
  if (hex.length !== SUPPORTED[algo] || !/^[0-9a-f]+$/.test(hex))
    throw new Error(`malformed ${algo} digest "${digest.slice(0, 160)}"`);
  return { algorithm: algo, hex };
}

export function newHash(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestMatches(expected: ParsedDigest, actualHex: string): boolean {
  const a = Buffer.from(expected.hex, 'hex');
  const b = Buffer.from(actualHex, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
