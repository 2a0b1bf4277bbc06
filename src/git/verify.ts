// Signature verification of commits and tags against the trusted keys of a `verify.secretRef`
// Secret: `*.sshpub` entries hold SSH public keys (authorized_keys format), every other entry an
// armored OpenPGP keyring. Reads the raw object with git and verifies in-process (openpgp, node:crypto).
import * as openpgp from 'openpgp';
import { GitError, VerificationError } from './errors.js';
import { assertRefName } from './remote.js';
import { localGit } from './session.js';
import { splitCommit, splitTag, type SignedObject } from './signed-object.js';
import { parseAuthorizedKeys, verifySshSignature, type SshPublicKey } from './sshsig.js';
import type { SecretData } from './types.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface VerificationResult {
  verified: true;
  /** OpenPGP key ID (16 upper-case hex digits) or SSH `SHA256:` fingerprint. */
  signer: string;
}

interface VerifyOptions {
  /** A checkout made by `checkout()` (or any repository holding the object). */
  dir: string;
  /** Data of the verification Secret. */
  keys: SecretData;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface VerifyCommitOptions extends VerifyOptions {
  /** Commit SHA (or any revision naming a commit). */
  commit: string;
}

export interface VerifyTagOptions extends VerifyOptions {
  /** Tag name (not the full ref); must be an annotated tag present in `dir`. */
  tag: string;
}

/** Verifies the signature of a commit (Flux `verify.mode: HEAD`). */
export async function verifyCommit(options: VerifyCommitOptions): Promise<VerificationResult> {
  if (options.commit === '' || options.commit.startsWith('-') || /\s/.test(options.commit)) {
    throw new GitError(`invalid commit ${JSON.stringify(options.commit)}`, { operation: 'verify commit' });
  }
  const oid = await revParse(options, `${options.commit}^{commit}`, `commit ${options.commit} not found`);
  const raw = await catFile(options, 'commit', oid);
  return verifyObject(splitCommit(raw, oid.length === 64 ? 'sha256' : 'sha1'), options.keys, `commit ${oid}`);
}

/** Verifies the signature of an annotated tag (Flux `verify.mode: Tag`). */
export async function verifyTag(options: VerifyTagOptions): Promise<VerificationResult> {
  const tag = assertRefName(options.tag, 'tag');
  const oid = await revParse(options, `refs/tags/${tag}`, `tag ${tag} not found`);
  const type = (await git(options, ['cat-file', '-t', oid])).toString('utf8').trim();
  if (type !== 'tag') {
    throw new VerificationError('unsigned', `tag ${tag} is a lightweight tag, which cannot be signed`);
  }
  return verifyObject(splitTag(await catFile(options, 'tag', oid)), options.keys, `tag ${tag}`);
}

async function verifyObject(
  signed: SignedObject,
  keyData: SecretData,
  what: string,
): Promise<VerificationResult> {
  if (signed.signature === undefined) throw new VerificationError('unsigned', `${what} is not signed`);
  const keys = await parseTrustedKeys(keyData);
  switch (signed.format) {
    case 'ssh': {
      const signer = verifySshSignature(signed.signature, signed.payload, keys.ssh);
      return { verified: true, signer };
    }
    case 'openpgp':
      return {
        verified: true,
        signer: await verifyOpenPgp(signed.signature, signed.payload, keys.pgp, what),
      };
    default:
      throw new VerificationError('invalid-signature', `${what} has an unsupported (X.509) signature`);
  }
}

interface TrustedKeys {
  pgp: openpgp.PublicKey[];
  ssh: SshPublicKey[];
}

/** Parses the Secret's entries; an entry that is not a key fails verification, naming the entry. */
export async function parseTrustedKeys(data: SecretData): Promise<TrustedKeys> {
  const keys: TrustedKeys = { pgp: [], ssh: [] };
  for (const [name, value] of Object.entries(data).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value.toString('utf8');
    if (name.endsWith('.sshpub')) {
      keys.ssh.push(...parseAuthorizedKeys(text, `key ${JSON.stringify(name)}`));
      continue;
    }
    try {
      const parsed = await openpgp.readKeys({ armoredKeys: text });
      keys.pgp.push(...parsed.map((key) => key.toPublic()));
    } catch {
      throw new VerificationError(
        'invalid-keys',
        `key ${JSON.stringify(name)} is not an armored OpenPGP public key`,
      );
    }
  }
  return keys;
}

async function verifyOpenPgp(
  armoredSignature: string,
  payload: Buffer,
  trusted: readonly openpgp.PublicKey[],
  what: string,
): Promise<string> {
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ armoredSignature });
  } catch {
    throw new VerificationError('invalid-signature', `${what} has a malformed OpenPGP signature`);
  }
  const issuers = signature.getSigningKeyIDs();
  const key = trusted.find((candidate) => issuers.some((id) => candidate.getKeys(id).length > 0));
  const issuerText = issuers.map((id) => id.toHex().toUpperCase()).join(', ') || 'an unnamed key';
  if (key === undefined) {
    throw new VerificationError(
      'unknown-key',
      `${what} is signed by OpenPGP key ${issuerText}, which is not trusted`,
    );
  }
  const message = await openpgp.createMessage({ binary: new Uint8Array(payload) });
  try {
    const result = await openpgp.verify({ message, signature, verificationKeys: [key] });
    const [first] = result.signatures;
    if (first === undefined) throw new Error('no signature');
    await first.verified;
  } catch {
    throw new VerificationError(
      'invalid-signature',
      `${what}: the OpenPGP signature by ${issuerText} does not verify`,
    );
  }
  return key.getKeyID().toHex().toUpperCase();
}

async function git(options: VerifyOptions, args: readonly string[]): Promise<Buffer> {
  const result = await localGit(args, {
    cwd: options.dir,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (result.code !== 0) {
    throw new GitError(result.stderr.trim().split('\n').slice(-2).join('; ') || 'git failed', {
      operation: `git ${args[0] ?? ''}`,
    });
  }
  return result.stdout;
}

async function revParse(options: VerifyOptions, revision: string, missing: string): Promise<string> {
  const result = await localGit(['rev-parse', '--verify', '--quiet', '--end-of-options', revision], {
    cwd: options.dir,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (result.code !== 0) throw new GitError(missing, { operation: 'verify' });
  return result.stdout.toString('utf8').trim();
}

function catFile(options: VerifyOptions, type: 'commit' | 'tag', oid: string): Promise<Buffer> {
  return git(options, ['cat-file', type, oid]);
}
