// SOPS through tide-render: files encrypted by the upstream sops binary (built
// from the renderer's module graph) with age and OpenPGP keys decrypt to the
// original bytes; tampering fails the MAC check; no plaintext in any error.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { defaultCacheDir } from '../localcluster/defaults.js';
import { ensureUpstreamTools, type UpstreamTools } from './binary.js';
import { RenderError, Renderer } from './renderer.js';
import type { SopsFormat, SopsKeys } from './types.js';

const run = promisify(execFile);

const secretWord = 'hunter2-do-not-leak';
const plaintexts: Record<SopsFormat, string> = {
  yaml: `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ${secretWord}\n  port: "5432"\n`,
  json: `{\n\t"password": "${secretWord}",\n\t"nested": {\n\t\t"list": [\n\t\t\t1,\n\t\t\t"two"\n\t\t]\n\t}\n}`,
  dotenv: `PASSWORD=${secretWord}\nUSER=app\n`,
  ini: `[db]\npassword = ${secretWord}\nuser = app\n`,
  binary: `raw bytes \u0000\u0001 ${secretWord}\n`,
};

let inputCounter = 0;

/** Runs a tool on `input` written to a temp file (sops cannot open a socket as /dev/stdin). */
async function runWithInput(
  cmd: string,
  args: string[],
  input: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const file = path.join(os.tmpdir(), `tide-sops-input-${String(process.pid)}-${String(inputCounter++)}`);
  await writeFile(file, input, { mode: 0o600 });
  try {
    const { stdout } = await run(
      cmd,
      args.map((a) => (a === '/dev/stdin' ? file : a)),
      { env },
    );
    return stdout;
  } finally {
    await rm(file, { force: true });
  }
}

describe('SOPS decryption through tide-render', () => {
  let tools: UpstreamTools;
  let renderer: Renderer;
  let tmp: string;
  let gnupgHome: string;
  let ageKey: string;
  let ageRecipient: string;
  let pgpKey: string;
  let pgpFingerprint: string;
  let baseEnv: NodeJS.ProcessEnv;

  before(async () => {
    const cacheDir = defaultCacheDir(process.env);
    [tools, renderer] = await Promise.all([
      ensureUpstreamTools({ cacheDir }),
      Renderer.start({ cacheDir, processes: 2 }),
    ]);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-sops-'));
    gnupgHome = path.join(tmp, 'gnupg');
    baseEnv = { PATH: process.env.PATH, HOME: tmp, GNUPGHOME: gnupgHome };
    await run(tools.ageKeygen, ['-o', path.join(tmp, 'key.agekey')], { env: baseEnv });
    ageKey = await readFile(path.join(tmp, 'key.agekey'), 'utf8');
    ageRecipient = /# public key: (age1\w+)/.exec(ageKey)?.[1] ?? '';
    assert.ok(ageRecipient !== '', 'age-keygen printed the recipient');

    await run('mkdir', ['-m', '700', '-p', gnupgHome]);
    await run(
      'gpg',
      [
        '--batch',
        '--passphrase',
        '',
        '--quick-gen-key',
        'tide-test <t@example.invalid>',
        'default',
        'default',
        'never',
      ],
      {
        env: baseEnv,
      },
    );
    const listed = await run('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env: baseEnv });
    pgpFingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1] ?? '';
    assert.ok(pgpFingerprint !== '', 'gpg made a key');
    pgpKey = (
      await run('gpg', ['--batch', '--armor', '--export-secret-keys', pgpFingerprint], { env: baseEnv })
    ).stdout;
  });
  after(async () => {
    await renderer.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const encrypt = (format: SopsFormat, keyArgs: string[]): Promise<string> =>
    runWithInput(
      tools.sops,
      ['--encrypt', ...keyArgs, '--input-type', format, '--output-type', format, '/dev/stdin'],
      plaintexts[format],
      baseEnv,
    );

  for (const format of Object.keys(plaintexts) as SopsFormat[]) {
    it(`decrypts ${format} encrypted with age and with PGP to the original bytes`, async () => {
      for (const [keyArgs, keys] of [
        [['--age', ageRecipient], { age: [ageKey] }],
        [['--pgp', pgpFingerprint], { pgp: [pgpKey] }],
      ] as [string[], SopsKeys][]) {
        const encrypted = await encrypt(format, keyArgs);
        assert.ok(!encrypted.includes(secretWord), 'the ciphertext hides the secret');
        const plain = await renderer.sopsDecrypt(Buffer.from(encrypted), format, keys);
        assert.ok(
          plain.toString('utf8').includes(secretWord),
          `${format} via ${keyArgs[0] ?? ''}: the secret is back`,
        );
        if (format === 'binary' || format === 'dotenv') {
          assert.equal(plain.toString('utf8'), plaintexts[format], `${format}: the original bytes`);
        }
        // Byte for byte what the upstream binary prints (sops re-serializes structured formats).
        const upstream = await runWithInput(
          tools.sops,
          ['--decrypt', '--input-type', format, '--output-type', format, '/dev/stdin'],
          encrypted,
          { ...baseEnv, SOPS_AGE_KEY: ageKey },
        );
        assert.equal(plain.toString('utf8'), upstream, `${format}: identical to sops --decrypt`);
      }
    });
  }

  it('refuses tampering: a removed value fails the MAC, a moved value fails its own check, naming no plaintext', async () => {
    const encrypted = await encrypt('yaml', ['--age', ageRecipient]);
    const noPlaintext = (err: unknown): RenderError => {
      assert.ok(err instanceof RenderError, `RenderError, got ${String(err)}`);
      assert.equal(err.code, 'DecryptionFailed');
      assert.ok(
        !err.message.includes(secretWord) && !err.message.includes('5432'),
        `no plaintext in: ${err.message}`,
      );
      return err;
    };
    // Every remaining value still decrypts; only the MAC over all of them can tell.
    const removed = encrypted.replace(/^ {4}port: ENC\[[^\]]+\]\n/m, '');
    assert.notEqual(removed, encrypted, 'removed the port');
    await assert.rejects(
      renderer.sopsDecrypt(Buffer.from(removed), 'yaml', { age: [ageKey] }),
      (err: unknown) => {
        assert.match(noPlaintext(err).message, /MAC/);
        return true;
      },
    );
    // Values are bound to their key path: a value moved to another key does not decrypt.
    const password = /password: (ENC\[[^\]]+\])/.exec(encrypted)?.[1] ?? '';
    const port = /port: (ENC\[[^\]]+\])/.exec(encrypted)?.[1] ?? '';
    assert.ok(password !== '' && port !== '', 'found both values');
    await assert.rejects(
      renderer.sopsDecrypt(Buffer.from(encrypted.replace(password, port)), 'yaml', { age: [ageKey] }),
      (err: unknown) => {
        assert.match(noPlaintext(err).message, /stringData:password/);
        return true;
      },
    );
  });

  it('says which keys would open the file when none given does, without key material', async () => {
    const encrypted = await encrypt('dotenv', ['--pgp', pgpFingerprint]);
    await assert.rejects(
      renderer.sopsDecrypt(Buffer.from(encrypted), 'dotenv', { age: [ageKey] }),
      (err: unknown) => {
        assert.ok(
          err instanceof RenderError && err.code === 'DecryptionFailed',
          `DecryptionFailed, got ${String(err)}`,
        );
        assert.match(err.message, /pgp/i);
        assert.ok(!err.message.includes('AGE-SECRET-KEY'), 'no key material in the message');
        assert.ok(!err.message.includes(secretWord), 'no plaintext in the message');
        return true;
      },
    );
  });

  it('decrypts a Kustomization build: encrypted Secret manifests and encrypted generator env files', async () => {
    const root = path.join(tmp, 'app');
    await run('mkdir', ['-p', root]);
    // As Flux users do: only data/stringData encrypted, so kind and name stay readable.
    await writeFile(
      path.join(root, 'secret.yaml'),
      await encrypt('yaml', ['--age', ageRecipient, '--encrypted-regex', '^(data|stringData)$']),
    );
    await writeFile(
      path.join(root, 'app.env'),
      await runWithInput(
        tools.sops,
        [
          '--encrypt',
          '--age',
          ageRecipient,
          '--input-type',
          'dotenv',
          '--output-type',
          'dotenv',
          '/dev/stdin',
        ],
        `TOKEN=${secretWord}\n`,
        baseEnv,
      ),
    );
    await writeFile(
      path.join(root, 'kustomization.yaml'),
      'resources: [secret.yaml]\nsecretGenerator:\n- name: app\n  envs: [app.env]\ngeneratorOptions:\n  disableNameSuffixHash: true\n',
    );
    const yaml = await renderer.kustomizeBuild({ root, path: '.', decryption: { keys: { age: [ageKey] } } });
    assert.match(yaml, new RegExp(`password: ${secretWord}`));
    assert.match(yaml, new RegExp(`TOKEN: ${Buffer.from(secretWord).toString('base64')}`));
    assert.doesNotMatch(yaml, /\bsops:/, 'no SOPS metadata left');

    // Without decryption configured, the encrypted Secret is refused by name, with no value.
    await assert.rejects(renderer.kustomizeBuild({ root, path: '.' }), (err: unknown) => {
      assert.ok(err instanceof RenderError, `RenderError, got ${String(err)}`);
      assert.match(err.message, /Secret.*db|db.*Secret/);
      assert.ok(!err.message.includes(secretWord), 'no plaintext');
      return true;
    });
  });
});
