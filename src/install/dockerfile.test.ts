// The Dockerfile cannot be built here (no container runtime), so these keep it honest:
// it lints clean, every file it copies is in the build context, and its versions,
// paths, user and environment match the repository and the install manifests.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { validate } from 'dockerfile-utils';
import semver from 'semver';
import { generateManifests } from './manifests.js';
import { defaultInstallOptions } from './options.js';
import { RUN_AS_ID } from './workloads.js';
import { isIgnored, parseDockerignore } from './testdata/dockerignore.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string): string => readFileSync(path.join(repoRoot, file), 'utf8');
const dockerfile = read('Dockerfile');
const ignore = parseDockerignore(read('.dockerignore'));

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** Instructions with continuation lines joined; comments and parser directives dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === '' && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    const space = full.search(/\s/);
    out.push({
      keyword: full.slice(0, space).toUpperCase(),
      args: full.slice(space + 1).trim(),
      line: start,
    });
  });
  return out;
}

const all = instructions(dockerfile);
const ofKind = (keyword: string): Instruction[] => all.filter((i) => i.keyword === keyword);

function argDefault(name: string): string {
  const arg = ofKind('ARG').find((a) => a.args.startsWith(`${name}=`));
  assert.ok(arg !== undefined, `Dockerfile declares ARG ${name} with a default`);
  return arg.args.slice(name.length + 1);
}

/** COPY's sources and destination, and its --from stage if any. */
function copies(): { from?: string; sources: string[]; dest: string; line: number }[] {
  return ofKind('COPY').map((c) => {
    const words = c.args.split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    const rest = words.filter((w) => !w.startsWith('--'));
    const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
    const dest = rest.pop() ?? '';
    return { ...(from === undefined ? {} : { from }), sources: rest, dest, line: c.line };
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(repoRoot, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

function envOf(name: string): string | undefined {
  for (const env of ofKind('ENV')) {
    const m = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(env.args);
    if (m !== null) return m[1];
  }
  return undefined;
}

describe('Dockerfile', () => {
  it('lints clean (dockerfile-utils)', () => {
    const problems = validate(dockerfile).map((d) => {
      const message = typeof d.message === 'string' ? d.message : d.message.value;
      return `line ${String(d.range.start.line + 1)}: ${message}`;
    });
    assert.deepEqual(problems, []);
  });

  it('copies only files that exist and that .dockerignore leaves in the context', () => {
    for (const copy of copies().filter((c) => c.from === undefined)) {
      for (const source of copy.sources) {
        const rel = source.replace(/\/+$/, '');
        assert.ok(existsSync(path.join(repoRoot, rel)), `COPY ${source} (line ${String(copy.line)}) exists`);
        assert.ok(!isIgnored(ignore, rel), `COPY ${source} (line ${String(copy.line)}) is not dockerignored`);
        if (statSync(path.join(repoRoot, rel)).isDirectory()) {
          assert.ok(
            filesUnder(rel).some((f) => !isIgnored(ignore, f)),
            `COPY ${source} (line ${String(copy.line)}) brings at least one file`,
          );
        }
      }
    }
  });

  it('sends the build everything it compiles', () => {
    // tsc -p tsconfig.build.json: every non-test source under src/.
    const ts = filesUnder('src').filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.ok(ts.includes('src/cli/main.ts'), 'the CLI entry point is a source');
    assert.deepEqual(
      ts.filter((f) => isIgnored(ignore, f)),
      [],
      'no source of the build is dockerignored',
    );
    // go build . in renderer/: the main package and the internal packages it imports.
    const goFiles = filesUnder('renderer').filter(
      (f) => f.endsWith('.go') && !f.endsWith('_test.go') && !f.startsWith('renderer/wasmprobe/'),
    );
    assert.deepEqual(
      goFiles.filter((f) => isIgnored(ignore, f)),
      [],
      'no Go source of tide-render is dockerignored',
    );
    for (const file of ['renderer/go.mod', 'renderer/go.sum', 'package-lock.json', 'tsconfig.build.json']) {
      assert.ok(!isIgnored(ignore, file), `${file} is in the context`);
    }
    assert.ok(isIgnored(ignore, 'node_modules/yaml/package.json'), 'node_modules stays out');
    assert.ok(isIgnored(ignore, 'src/install/manifests.test.ts'), 'tests stay out');
  });

  it('builds with the Go, Helm and Node versions of the repository', () => {
    const rendererMod = read('renderer/go.mod');
    const goDirective = /^go (\d+)\.(\d+)/m.exec(rendererMod);
    assert.ok(goDirective !== null, 'renderer/go.mod has a go directive');
    assert.equal(argDefault('GO_VERSION'), `${goDirective[1] ?? ''}.${goDirective[2] ?? ''}`);
    const helm = /^\s*helm\.sh\/helm\/v4\s+(v\S+)/m.exec(rendererMod)?.[1];
    assert.equal(
      argDefault('HELM_VERSION'),
      helm,
      'the Helm version stamp is the one renderer/go.mod requires',
    );
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    const node = Number(argDefault('NODE_VERSION'));
    assert.ok(
      semver.satisfies(`${String(node)}.99.0`, engines),
      `Node ${String(node)} satisfies engines ${engines}`,
    );
    assert.equal(node % 2, 0, 'an LTS line (even major)');
  });

  it('runs the compiled CLI entry point', () => {
    const build = JSON.parse(read('tsconfig.build.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    const entry = ofKind('ENTRYPOINT').at(-1);
    assert.ok(entry !== undefined, 'an ENTRYPOINT');
    const argv = JSON.parse(entry.args) as string[];
    assert.equal(argv[0], 'node');
    const script = argv[1] ?? '';
    const workdir = '/app/';
    assert.ok(script.startsWith(workdir), `${script} is under ${workdir}`);
    const compiled = script.slice(workdir.length);
    assert.ok(compiled.startsWith(`${build.compilerOptions.outDir}/`), `${compiled} is in the build output`);
    const source = compiled
      .replace(build.compilerOptions.outDir, build.compilerOptions.rootDir)
      .replace(/\.js$/, '.ts');
    assert.ok(existsSync(path.join(repoRoot, source)), `${source} exists`);
    const dist = copies().find((c) => c.sources.includes('/app/dist'));
    assert.equal(dist?.dest, './dist', 'the build output lands in /app/dist');
    // cliVersion() reads package.json next to dist/.
    assert.ok(
      copies().some((c) => c.sources.includes('/app/package.json')),
      'package.json is in the image',
    );
  });

  it('gives the controllers the prebuilt tide-render', () => {
    const copy = copies().find((c) => c.from === 'renderer');
    assert.ok(copy !== undefined, 'tide-render is copied from the renderer stage');
    assert.equal(envOf('TIDE_RENDER_BINARY'), copy.dest);
    assert.match(read('src/cli/commands/controller/flags.ts'), /env\['TIDE_RENDER_BINARY'\]/);
    const stages = ofKind('FROM').map((f) => / AS (\S+)$/i.exec(f.args)?.[1]);
    for (const c of copies()) {
      if (c.from !== undefined) assert.ok(stages.includes(c.from), `stage ${c.from} exists`);
    }
  });

  it('runs as the user the Deployments expect, with its home on the writable /tmp volume', () => {
    assert.equal(ofKind('USER').at(-1)?.args, `${String(RUN_AS_ID)}:${String(RUN_AS_ID)}`);
    assert.match(dockerfile, new RegExp(`useradd --uid ${String(RUN_AS_ID)} --gid ${String(RUN_AS_ID)}`));
    for (const name of ['HOME', 'XDG_CACHE_HOME']) assert.match(envOf(name) ?? '', /^\/tmp(\/|$)/, name);
    const deployments = generateManifests(defaultInstallOptions('0.0.0')).filter(
      (o) => o.kind === 'Deployment',
    );
    for (const d of deployments) {
      const mounts = (
        d.spec as { template: { spec: { containers: { volumeMounts: { mountPath: string }[] }[] } } }
      ).template.spec.containers.flatMap((c) => c.volumeMounts.map((m) => m.mountPath));
      assert.ok(mounts.includes('/tmp'), `${d.metadata.name} mounts /tmp`);
    }
    assert.match(
      dockerfile,
      /apt-get install[^\n]* git openssh-client/,
      'git and ssh for the source controller',
    );
  });
});
