import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BuildError, buildArgs, ensureBinary, findModuleDir, sourceHash, ToolchainError } from './binary.js';

const mainGo = 'package main\n\nfunc main() { println("hi") }\n';

async function writeModule(dir: string, main = mainGo): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'go.mod'),
    'module example.com/hello\n\ngo 1.26\n',
  );
  await writeFile(path.join(dir, 'main.go'), main);
}

describe('ensureBinary', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tide-binary-test-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('builds once, reuses the binary while the sources are unchanged, and rebuilds after a change', async () => {
    const moduleDir = path.join(tmp, 'mod');
    const cacheDir = path.join(tmp, 'cache');
    await writeModule(moduleDir);
    const first = await ensureBinary({ cacheDir, moduleDir });
    assert.equal(first.built, true);
    const second = await ensureBinary({ cacheDir, moduleDir });
    assert.deepEqual(second, { path: first.path, built: false });

    await writeFile(path.join(moduleDir, 'main.go'), mainGo.replace('hi', 'hello'));
    const third = await ensureBinary({ cacheDir, moduleDir });
    assert.equal(third.built, true);
    assert.notEqual(third.path, first.path);
    assert.equal((await readdir(path.join(cacheDir, 'localcluster'))).length, 2);
  });

  it('names the missing toolchain and how to install it', async () => {
    const moduleDir = path.join(tmp, 'mod-missing');
    await writeModule(moduleDir);
    await assert.rejects(
      ensureBinary({ cacheDir: path.join(tmp, 'c2'), moduleDir, goCommand: path.join(tmp, 'no-such-go') }),
      (err: unknown) => err instanceof ToolchainError && /missing.*not found on PATH.*Install Go 1\.26/s.test(err.message),
    );
  });

  it('refuses a Go release that is too old', async () => {
    const fakeGo = path.join(tmp, 'old-go');
    await writeFile(fakeGo, '#!/bin/sh\necho go1.20.1; echo linux; echo amd64\n');
    await chmod(fakeGo, 0o755);
    const moduleDir = path.join(tmp, 'mod-old');
    await writeModule(moduleDir);
    await assert.rejects(
      ensureBinary({ cacheDir: path.join(tmp, 'c3'), moduleDir, goCommand: fakeGo }),
      (err: unknown) => err instanceof ToolchainError && /Go 1\.26 or newer.*found go1\.20\.1/.test(err.message),
    );
  });

  it('reports a failed build with the compiler output', async () => {
    const moduleDir = path.join(tmp, 'mod-broken');
    await writeModule(moduleDir, 'package main\n\nfunc main() { undefinedThing() }\n');
    await assert.rejects(ensureBinary({ cacheDir: path.join(tmp, 'c4'), moduleDir }), (err: unknown) => {
      assert.ok(err instanceof BuildError, 'expected: err instanceof BuildError');
      assert.match(err.message, /building the local cluster failed/);
      assert.match(err.message, /undefined: undefinedThing/);
      return true;
    });
  });
});

describe('buildArgs', () => {
  it('stamps the Kubernetes version from go.mod into the binary', () => {
    const args = buildArgs('module x\n\nrequire (\n\tk8s.io/kubernetes v1.36.3\n\tsigs.k8s.io/kwok v0.8.0\n)\n');
    const ldflags = args.find((a) => a.startsWith('-ldflags=')) ?? '';
    assert.match(ldflags, /-X k8s\.io\/component-base\/version\.gitVersion=v1\.36\.3 /);
    assert.match(ldflags, /-X k8s\.io\/component-base\/version\.gitMinor=36 /);
    assert.match(ldflags, /-X k8s\.io\/client-go\/pkg\/version\.gitMajor=1 /);
  });

  it('stamps nothing into a module without Kubernetes', () => {
    assert.deepEqual(buildArgs('module x\n'), ['build', '-trimpath', '-ldflags=-s -w']);
  });
});

describe('sourceHash', () => {
  it('depends on the toolchain and on file contents, not on timestamps', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tide-hash-test-'));
    try {
      await writeModule(dir);
      const a = await sourceHash(dir, 'go1.26.8 linux amd64');
      await writeModule(dir); // same content, new mtime
      assert.equal(await sourceHash(dir, 'go1.26.8 linux amd64'), a);
      assert.notEqual(await sourceHash(dir, 'go1.26.9 linux amd64'), a);
      await writeFile(path.join(dir, 'extra.go'), 'package main\n');
      assert.notEqual(await sourceHash(dir, 'go1.26.8 linux amd64'), a);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('finds the repository localcluster module', () => {
    assert.match(findModuleDir(), /localcluster$/);
  });
});
