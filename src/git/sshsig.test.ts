import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { VerificationError } from './errors.js';
import { parseAuthorizedKeys, verifySshSignature, type SshPublicKey } from './sshsig.js';

const run = promisify(execFile);
const PAYLOAD = Buffer.from('tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nmessage\n');
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tide-sshsig-'));
  await writeFile(join(dir, 'payload'), PAYLOAD);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyAndSignature(
  type: string,
  bits: string | undefined,
  namespace = 'git',
): Promise<{ key: SshPublicKey; fingerprint: string; signature: string }> {
  const path = join(dir, `${type}-${bits ?? ''}-${namespace}`);
  await run('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...(bits === undefined ? [] : ['-b', bits]),
    '-N',
    '',
    '-f',
    path,
  ]);
  const payload = `${path}.payload`;
  await writeFile(payload, PAYLOAD);
  await run('ssh-keygen', ['-q', '-Y', 'sign', '-n', namespace, '-f', path, payload]);
  const [key] = parseAuthorizedKeys(await readFile(`${path}.pub`, 'utf8'), 'test');
  const fingerprint = (await run('ssh-keygen', ['-l', '-f', `${path}.pub`])).stdout.split(' ')[1] ?? '';
  assert.ok(key !== undefined, 'parsed the public key');
  return { key, fingerprint, signature: await readFile(`${payload}.sig`, 'utf8') };
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof VerificationError) return error.reason;
    throw error;
  }
  return undefined;
}

describe('verifySshSignature', () => {
  for (const [type, bits] of [
    ['ed25519', undefined],
    ['rsa', '2048'],
    ['ecdsa', '256'],
    ['ecdsa', '384'],
    ['ecdsa', '521'],
  ] as const) {
    it(`verifies ${type}${bits === undefined ? '' : `-${bits}`} and rejects tampering`, async () => {
      const { key, fingerprint, signature } = await keyAndSignature(type, bits);
      assert.equal(verifySshSignature(signature, PAYLOAD, [key]), fingerprint);
      assert.equal(key.fingerprint, fingerprint);
      const tampered = Buffer.from(PAYLOAD.toString().replace('message', 'massage'));
      assert.equal(
        reasonOf(() => verifySshSignature(signature, tampered, [key])),
        'invalid-signature',
      );
      assert.equal(
        reasonOf(() => verifySshSignature(signature, PAYLOAD, [])),
        'unknown-key',
      );
    });
  }

  it('rejects a signature made for another namespace', async () => {
    const { key, signature } = await keyAndSignature('ed25519', undefined, 'file');
    assert.equal(
      reasonOf(() => verifySshSignature(signature, PAYLOAD, [key])),
      'invalid-signature',
    );
  });

  it('rejects garbage as a malformed signature', () => {
    const armored = '-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n';
    assert.equal(
      reasonOf(() => verifySshSignature(armored, PAYLOAD, [])),
      'invalid-signature',
    );
  });
});

describe('parseAuthorizedKeys', () => {
  it('skips comments and options before the key type', async () => {
    const { key } = await keyAndSignature('ed25519', undefined, 'opts');
    const line = `# trusted\nno-pty,cert-authority ssh-ed25519 ${key.blob.toString('base64')} someone\n`;
    assert.deepEqual(
      parseAuthorizedKeys(line, 'x').map((k) => k.fingerprint),
      [key.fingerprint],
    );
  });
  it('refuses lines that are not keys, naming the source only', () => {
    assert.throws(
      () => parseAuthorizedKeys('ssh-ed25519 bm90IGEga2V5\n', 'key "ci.sshpub"'),
      (error: unknown) =>
        error instanceof VerificationError &&
        error.reason === 'invalid-keys' &&
        /ci\.sshpub/.test(error.message) &&
        !error.message.includes('bm90'),
    );
  });
});
