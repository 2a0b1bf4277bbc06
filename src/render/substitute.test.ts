import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  collectVariables,
  goKeyCompare,
  resolveGoNumber,
  substitute,
  substituteObject,
  SubstitutionError,
  type ReadVariables,
} from './substitute.js';

// Every `want`/`fails` below is what fluxcd/pkg/envsubst v1.9.0 returns for the same input
// (the empty-pattern rows follow its main branch, which accepts `${v/#/x}`).
interface Row {
  readonly name: string;
  readonly text: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly strict?: boolean;
  readonly want?: string;
  readonly fails?: string;
}

const rows: readonly Row[] = [
  {
    name: 'plain reference',
    text: 'image: ${image}',
    vars: { image: 'nginx:1.27' },
    want: 'image: nginx:1.27',
  },
  { name: 'undefined, non-strict, is empty', text: 'a${missing}b', vars: {}, want: 'ab' },
  {
    name: '$var is left alone',
    text: 'run $HOME and $image',
    vars: { image: 'x' },
    want: 'run $HOME and $image',
  },
  {
    name: '$${var} is an escaped ${var}',
    text: '$${image} ${image}',
    vars: { image: 'x' },
    want: '${image} x',
  },
  { name: '$$ is one $', text: 'a$$b $$$ c', vars: {}, want: 'a$b $$ c' },
  { name: '$$ before a reference', text: '$$${image}', vars: { image: 'x' }, want: '$x' },
  { name: ':= uses the default when unset', text: '${env:=dev}', vars: {}, want: 'dev' },
  { name: ':= keeps a set value', text: '${env:=dev}', vars: { env: 'prod' }, want: 'prod' },
  { name: ':= uses the default when set but empty', text: '${env:=dev}', vars: { env: '' }, want: 'dev' },
  { name: ':- default', text: '${env:-dev}', vars: {}, want: 'dev' },
  { name: '= default', text: '${env=dev}', vars: {}, want: 'dev' },
  { name: '= keeps a set value', text: '${env=dev}', vars: { env: 'prod' }, want: 'prod' },
  {
    name: ':+ acts as a default (unsupported in bash terms)',
    text: '${env:+alt}',
    vars: { env: 'prod' },
    want: 'prod',
  },
  { name: ':? acts as a default (unsupported in bash terms)', text: '${env:?msg}', vars: {}, want: 'msg' },
  { name: 'nested default', text: '${a:=${b}}', vars: { b: 'B' }, want: 'B' },
  { name: 'nested default, outer set', text: '${a:=${b}}', vars: { a: 'A', b: 'B' }, want: 'A' },
  {
    name: 'default with text around a nested reference',
    text: '${a:=pre-${b}-post}',
    vars: { b: 'B' },
    want: 'pre-B-post',
  },
  { name: 'nested transformation in a default', text: '${a=${b^^}}', vars: { b: 'low' }, want: 'LOW' },
  {
    name: 'substring from a position',
    text: '${p:11}',
    vars: { p: '/home/bozo/ideas/thoughts.for.today' },
    want: 'ideas/thoughts.for.today',
  },
  {
    name: 'substring with a length',
    text: '${p:11:5}',
    vars: { p: '/home/bozo/ideas/thoughts.for.today' },
    want: 'ideas',
  },
  { name: 'substring with a negative length', text: '${p:1:-1}', vars: { p: '[abc]' }, want: 'abc' },
  { name: 'substring past the end', text: '${p:10}', vars: { p: 'short' }, want: '' },
  {
    name: 'substring with a space before a negative offset is not a number',
    text: '${p: -2}',
    vars: { p: 'abcdef' },
    want: 'abcdef',
  },
  { name: 'substring counts bytes', text: '${p:1}', vars: { p: 'héllo' }, want: 'éllo' },
  { name: 'replace first', text: '${s/abc/xyz}', vars: { s: 'abcABC123ABCabc' }, want: 'xyzABC123ABCabc' },
  { name: 'replace all', text: '${s//abc/xyz}', vars: { s: 'abcABC123ABCabc' }, want: 'xyzABC123ABCxyz' },
  { name: 'replace prefix', text: '${s/#abc/XYZ}', vars: { s: 'abcABC123ABCabc' }, want: 'XYZABC123ABCabc' },
  { name: 'replace suffix', text: '${s/%abc/XYZ}', vars: { s: 'abcABC123ABCabc' }, want: 'abcABC123ABCXYZ' },
  { name: 'prepend with an empty prefix pattern', text: '${s/#/v}', vars: { s: '1.2.3' }, want: 'v1.2.3' },
  { name: 'append with an empty suffix pattern', text: '${s/%/-rc}', vars: { s: '1.2.3' }, want: '1.2.3-rc' },
  { name: 'delete with an empty replacement', text: '${s/./}', vars: { s: 'foo.bar' }, want: 'foobar' },
  {
    name: 'escaped slash in a pattern',
    text: '${s//\\//-}',
    vars: { s: 'foo/bar/baz' },
    want: 'foo-bar-baz',
  },
  {
    name: 'prefix replacement without a replacement keeps the value',
    text: '${s/#foo/}',
    vars: { s: 'foobar' },
    want: 'foobar',
  },
  { name: 'length in bytes', text: '${#s}', vars: { s: 'héllo' }, want: '6' },
  { name: 'upper first', text: '${s^}', vars: { s: 'abc def' }, want: 'Abc def' },
  { name: 'upper all', text: '${s^^}', vars: { s: 'abc def' }, want: 'ABC DEF' },
  { name: 'lower first', text: '${s,}', vars: { s: 'ABC DEF' }, want: 'aBC DEF' },
  { name: 'lower all', text: '${s,,}', vars: { s: 'ABC DEF' }, want: 'abc def' },
  { name: 'mixed case operators leave the value', text: '${s,^}', vars: { s: 'AbC' }, want: 'AbC' },
  { name: 'trim shortest prefix', text: '${f#*.}', vars: { f: 'bash.string.txt' }, want: 'string.txt' },
  { name: 'trim longest prefix', text: '${f##*.}', vars: { f: 'bash.string.txt' }, want: 'txt' },
  { name: 'trim shortest suffix', text: '${f%.*}', vars: { f: 'bash.string.txt' }, want: 'bash.string' },
  { name: 'trim longest suffix', text: '${f%%.*}', vars: { f: 'bash.string.txt' }, want: 'bash' },
  { name: 'a star crosses slashes', text: '${f##*/}', vars: { f: '/path/to/file' }, want: 'file' },
  { name: 'trim with a character class', text: '${f#[a-c]}', vars: { f: 'bash' }, want: 'ash' },
  { name: 'trim with a negated class', text: '${f#[^a-c]}', vars: { f: 'bash' }, want: 'bash' },
  { name: 'trim with ?', text: '${f%?}', vars: { f: 'v1.2.3x' }, want: 'v1.2.3' },
  { name: 'a bad pattern leaves the value', text: '${f#[}', vars: { f: '[abc' }, want: '[abc' },
  {
    name: 'references in a larger text',
    text: 'url: https://${host}:${port}/${path#/}',
    vars: { host: 'h', port: '80', path: '/x' },
    want: 'url: https://h:80/x',
  },
  { name: 'a NUL ends the input', text: 'a${x}\0${y}', vars: { x: '1', y: '2' }, want: 'a1' },
  {
    name: '${var-default} is not supported',
    text: '${var-default}',
    vars: {},
    fails: 'missing closing brace',
  },
  { name: '${var+alt} is not supported', text: '${var+alt}', vars: {}, fails: 'missing closing brace' },
  { name: 'missing closing brace', text: '${image', vars: {}, fails: 'missing closing brace' },
  { name: 'empty name', text: '${}', vars: {}, fails: 'unable to parse variable name' },
  {
    name: 'name must start right after ${',
    text: '${ image}',
    vars: {},
    fails: 'unable to parse variable name',
  },
  {
    name: 'unterminated default',
    text: '${a:=x',
    vars: {},
    fails: 'unable to parse substitution within function',
  },
  { name: 'bad substitution after a trim', text: '${a#x${b}}', vars: {}, fails: 'bad substitution' },
  { name: 'multi-byte rune after a colon', text: '${a:é}', vars: { a: 'x' }, fails: 'bad substitution' },
  { name: 'strict: a defined variable', text: '${a}', vars: { a: '' }, strict: true, want: '' },
  {
    name: 'strict: undefined',
    text: 'x ${missing} y',
    vars: {},
    strict: true,
    fails: 'variable not set (strict mode): "missing"',
  },
  {
    name: 'strict: undefined with a transformation',
    text: '${missing^^}',
    vars: {},
    strict: true,
    fails: 'variable not set (strict mode): "missing"',
  },
  {
    name: 'strict: undefined with a substring',
    text: '${missing:0:1}',
    vars: {},
    strict: true,
    fails: 'variable not set (strict mode): "missing"',
  },
  { name: 'strict: undefined with a default', text: '${missing:=d}', vars: {}, strict: true, want: 'd' },
  { name: 'strict: undefined with an = default', text: '${missing=d}', vars: {}, strict: true, want: 'd' },
  { name: 'strict: undefined with an empty default', text: '${missing:=}', vars: {}, strict: true, want: '' },
  {
    name: 'strict: nested reference is evaluated even when the outer is set',
    text: '${a:=${b}}',
    vars: { a: 'A' },
    strict: true,
    fails: 'variable not set (strict mode): "b"',
  },
  {
    name: 'strict: escaped reference is not a reference',
    text: '$${missing}',
    vars: {},
    strict: true,
    want: '${missing}',
  },
];

function failure(fn: () => unknown): SubstitutionError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SubstitutionError, `expected a SubstitutionError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a SubstitutionError, got a result');
}

describe('substitute', () => {
  for (const row of rows) {
    it(row.name, () => {
      const run = (): string => substitute(row.text, row.vars, { strict: row.strict === true });
      if (row.fails === undefined) {
        assert.equal(run(), row.want);
        return;
      }
      const err = failure(run);
      assert.ok(
        err.message.startsWith(row.fails),
        `message ${JSON.stringify(err.message)} starts with ${row.fails}`,
      );
      const variable = /"(.*)"$/.exec(row.fails)?.[1];
      assert.equal(err.reason, variable === undefined ? 'BadSubstitution' : 'UndefinedVariable');
      assert.equal(err.variable, variable);
    });
  }

  it('places a syntax error and says how to write a literal ${', () => {
    const err = failure(() => substitute('a: 1\nb: x${image\n', {}, { strict: false }));
    assert.match(err.message, /missing closing brace at line 2, column 5:/);
    assert.match(err.message, /"\$\$\{"/);
  });

  it('tells how to fix an undefined variable, naming it', () => {
    const err = failure(() => substitute('${cluster_region}', {}, { strict: true }));
    assert.match(err.message, /"cluster_region"/);
    assert.match(err.message, /postBuild\.substitute/);
    assert.match(err.message, /\$\{cluster_region:=value\}/);
  });

  it('reads a Record through its own properties only', () => {
    assert.equal(failure(() => substitute('${constructor}', {}, { strict: true })).variable, 'constructor');
    assert.equal(substitute('[${toString}]', {}, { strict: false }), '[]');
  });

  it('accepts a Map', () => {
    assert.equal(substitute('${a}-${b:=2}', new Map([['a', '1']]), { strict: true }), '1-2');
  });

  it('maps case one rune to one rune, as Go does', () => {
    assert.equal(
      substitute('${s^^}|${t,,}', { s: 'straße', t: 'İSTANBUL' }, { strict: true }),
      'STRAßE|istanbul',
    );
  });

  it('refuses deep nesting instead of exhausting the stack', () => {
    const deep = '${a:='.repeat(10_000) + 'x' + '}'.repeat(10_000);
    const err = failure(() => substitute(deep, {}, { strict: false }));
    assert.equal(err.reason, 'LimitExceeded');
    assert.match(err.message, /nested deeper than/);
  });

  it('refuses a result that nested replacements blow up', () => {
    const text = '${a//x/'.repeat(6) + '${a}' + '}'.repeat(6);
    const err = failure(() => substitute(text, { a: 'x'.repeat(64) }, { strict: true }));
    assert.equal(err.reason, 'LimitExceeded');
  });

  it('trims a long value quickly, with the same answer as trying every prefix', () => {
    const value = `${'a/'.repeat(100_000)}file.tar.gz`;
    const started = Date.now();
    assert.equal(
      substitute('${v##*/}|${v%%.*}|${v#*.}', { v: value }, { strict: true }).length,
      11 + 1 + 200_004 + 1 + 6,
    );
    assert.equal(substitute('${v##*/}', { v: value }, { strict: true }), 'file.tar.gz');
    assert.ok(Date.now() - started < 5000, 'trimming took too long');
  });
});

const deployment = (env: string): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'apps', labels: { env } },
  spec: {
    replicas: '${replicas}',
    template: {
      metadata: { annotations: { enabled: '${quote}${enabled}${quote}', literal: '$${keep}' } },
      spec: { containers: [{ name: 'web', image: 'nginx:${tag:=latest}', args: ['--yes', 'yes', '010'] }] },
    },
  },
});

describe('substituteObject', () => {
  const vars = { replicas: '3', quote: '"', enabled: 'true', env: 'prod' };

  it('substitutes, and a substituted plain value takes its YAML type', () => {
    const out = substituteObject(deployment('${env}'), vars, { strict: true });
    assert.deepEqual(out, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'apps', labels: { env: 'prod' } },
      spec: {
        replicas: 3,
        template: {
          metadata: { annotations: { enabled: 'true', literal: '${keep}' } },
          spec: { containers: [{ name: 'web', image: 'nginx:latest', args: ['--yes', 'yes', '010'] }] },
        },
      },
    });
  });

  it('resolves substituted scalars as YAML 1.1 does (goyaml.v2)', () => {
    const values = {
      y: 'yes',
      off: 'Off',
      oct: '010',
      hex: '0x1F',
      exp: '1e3',
      ts: '2024-01-02',
      empty: '',
      ver: '1.2.3',
    };
    const data = Object.fromEntries(Object.keys(values).map((k) => [k, `\${${k}}`]));
    const out = substituteObject({ kind: 'ConfigMap', metadata: { name: 'c' }, data }, values, {
      strict: true,
    });
    assert.deepEqual(out.data, {
      y: true,
      off: false,
      oct: 8,
      hex: 31,
      exp: 1000,
      ts: '2024-01-02',
      empty: null,
      ver: '1.2.3',
    });
  });

  it('does not change its input', () => {
    const input = deployment('${env}');
    const copy = structuredClone(input);
    substituteObject(input, vars, { strict: true });
    assert.deepEqual(input, copy);
  });

  for (const where of ['labels', 'annotations'] as const) {
    it(`skips an object with the substitute: disabled ${where.slice(0, -1)}`, () => {
      const obj = {
        kind: 'ConfigMap',
        metadata: { name: 'c', [where]: { 'kustomize.toolkit.fluxcd.io/substitute': 'disabled' } },
        data: { a: '${undefined_var}' },
      };
      assert.equal(substituteObject(obj, vars, { strict: true }), obj);
    });
  }

  it('only an exact "disabled" opts out', () => {
    const obj = {
      kind: 'ConfigMap',
      metadata: { name: 'c', annotations: { 'kustomize.toolkit.fluxcd.io/substitute': 'Disabled' } },
      data: { a: '${env}' },
    };
    assert.deepEqual(substituteObject(obj, vars, { strict: true }).data, { a: 'prod' });
  });

  it('WithVariables leaves the object alone when no variable is defined', () => {
    const obj = deployment('${env:=dev}');
    assert.equal(substituteObject(obj, {}, { strict: true }), obj);
    assert.equal(substituteObject(obj, new Map(), { strict: true, strategy: 'WithVariables' }), obj);
  });

  it('Always substitutes without variables: defaults apply, and strict still fails', () => {
    const obj = { kind: 'Namespace', metadata: { name: 'apps', labels: { env: '${env:=dev}' } } };
    const out = substituteObject(obj, {}, { strict: true, strategy: 'Always' });
    assert.deepEqual(out.metadata, { name: 'apps', labels: { env: 'dev' } });
    const err = failure(() => substituteObject(deployment('x'), {}, { strict: true, strategy: 'Always' }));
    assert.equal(err.variable, 'replicas');
    assert.equal(
      substituteObject(deployment('x'), {}, { strict: false, strategy: 'Always' }).spec !== undefined,
      true,
    );
  });

  it('names the object, the field and the variable of a strict failure', () => {
    const err = failure(() => substituteObject(deployment('${region}'), vars, { strict: true }));
    assert.equal(err.reason, 'UndefinedVariable');
    assert.equal(err.variable, 'region');
    assert.equal(err.object, 'Deployment/apps/web');
    assert.equal(err.field, 'metadata.labels.env');
    assert.match(
      err.message,
      /^Deployment\/apps\/web: field metadata\.labels\.env: variable not set \(strict mode\): "region"/,
    );
  });

  it('names a cluster-scoped object without a namespace, and a key as a field', () => {
    const obj = { kind: 'ClusterRole', metadata: { name: 'r', annotations: { 'example.com/${who}': 'x' } } };
    const err = failure(() => substituteObject(obj, vars, { strict: true }));
    assert.equal(err.object, 'ClusterRole/r');
    assert.equal(err.field, 'metadata.annotations["example.com/${who}"] (the key)');
  });

  it('names the field of a syntax error', () => {
    const obj = {
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'n' },
      data: { script: 'echo ${HOME' },
    };
    const err = failure(() => substituteObject(obj, vars, { strict: false }));
    assert.equal(err.reason, 'BadSubstitution');
    assert.match(err.message, /^ConfigMap\/n\/c: field data\.script: missing closing brace: write a literal/);
  });

  it('rejects an invalid variable name, as Flux does', () => {
    const err = failure(() =>
      substituteObject(deployment('x'), { ...vars, 'bad-name': 'v' }, { strict: false }),
    );
    assert.equal(err.reason, 'InvalidVariableName');
    assert.equal(err.variable, 'bad-name');
  });

  it('keeps secret values out of the message when a value breaks the YAML', () => {
    const secret = 'hunter2: [oops';
    const obj = {
      kind: 'Secret',
      metadata: { name: 's', namespace: 'n' },
      stringData: { password: '${password}' },
    };
    const err = failure(() => substituteObject(obj, { password: secret }, { strict: true }));
    assert.equal(err.reason, 'InvalidResult');
    assert.equal(err.field, 'stringData.password');
    assert.ok(!err.message.includes('hunter2'), `message ${err.message} holds the secret`);
    assert.ok(!String(err.stack).includes('hunter2'), 'stack holds the secret');
  });

  it('bounds alias expansion (billion laughs through a variable)', () => {
    const levels = ['&a [x,x,x,x,x,x,x,x,x,x]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`&${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const obj = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { bomb: '${bomb}' } };
    const started = Date.now();
    const err = failure(() => substituteObject(obj, { bomb: `[${levels.join(', ')}]` }, { strict: true }));
    assert.equal(err.reason, 'InvalidResult');
    assert.match(err.message, /alias/);
    assert.ok(Date.now() - started < 5000, 'the bomb was not expanded');
  });

  it('takes a lone CR for a line break, as goyaml does', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '${v}', b: 'c' } };
    assert.deepEqual(substituteObject(obj, { v: 'x\r' }, { strict: true }).data, { a: 'x', b: 'c' });
    assert.equal(
      failure(() => substituteObject(obj, { v: 'x\ry' }, { strict: true })).reason,
      'InvalidResult',
    );
  });

  it('turns substituted keys into strings as sigs.k8s.io/yaml does', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { '${k}': 'v' } };
    assert.deepEqual(substituteObject(obj, { k: '1e6' }, { strict: true }).data, { '1e+06': 'v' });
    assert.deepEqual(substituteObject(obj, { k: '0x10' }, { strict: true }).data, { '16': 'v' });
    assert.match(failure(() => substituteObject(obj, { k: '~' }, { strict: true })).message, /a key is null/);
  });

  it('refuses .inf and .nan, which JSON cannot hold', () => {
    const obj = { kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '${v}' } };
    assert.equal(failure(() => substituteObject(obj, { v: '.inf' }, { strict: true })).field, 'data.a');
  });
});

describe('goKeyCompare', () => {
  it('orders keys as goyaml.v2 does', () => {
    const keys = [
      'b',
      'a10',
      'a9',
      'A',
      '_x',
      '10',
      '9',
      '-',
      'é',
      'a',
      'a-b',
      'a.b',
      'a_b',
      'v1beta1',
      'v1',
      'v10',
    ];
    // The order of the same keys in the YAML Flux serializes (goyaml.v2).
    const goyaml = [
      '-',
      '_x',
      '9',
      '10',
      'A',
      'a',
      'a-b',
      'a.b',
      'a_b',
      'a9',
      'a10',
      'b',
      'v1',
      'v10',
      'v1beta1',
      'é',
    ];
    assert.deepEqual([...keys].sort(goKeyCompare), goyaml);
  });
});

describe('resolveGoNumber', () => {
  const cases: [string, number | undefined][] = [
    ['42', 42],
    ['-7', -7],
    ['+5', 5],
    ['010', 8],
    ['08', 8],
    ['0x1F', 31],
    ['0o17', 15],
    ['0b101', 5],
    ['1_000', 1000],
    ['1e3', 1000],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['.', undefined],
    ['1e400', undefined],
    ['1.2.3', undefined],
    ['2024-01-02', undefined],
    ['0xFFFFFFFFFFFFFFFFFF', undefined],
    ['18446744073709551615', 2 ** 64],
    ['_1', undefined],
  ];
  for (const [source, want] of cases) {
    it(`${source} -> ${String(want)}`, () => {
      assert.equal(resolveGoNumber(source), want);
    });
  }
});

describe('collectVariables', () => {
  const store: Record<string, Record<string, string> | undefined> = {
    'ConfigMap/base': { a: 'cm', b: 'cm', multi: 'line1\nline2\n' },
    'Secret/creds': { b: 'secret', c: 'secret' },
  };
  const read: ReadVariables = (kind, name) => Promise.resolve(store[`${kind}/${name}`]);

  it('applies substituteFrom in order, then the inline substitute, which wins', async () => {
    const vars = await collectVariables(
      {
        substituteFrom: [
          { kind: 'ConfigMap', name: 'base' },
          { kind: 'Secret', name: 'creds' },
          { kind: 'ConfigMap', name: 'absent', optional: true },
        ],
        substitute: { c: 'inline', d: 'x\ny' },
      },
      read,
    );
    assert.deepEqual(Object.fromEntries(vars), {
      a: 'cm',
      b: 'secret',
      c: 'inline',
      multi: 'line1line2',
      d: 'xy',
    });
  });

  it('is empty without postBuild', async () => {
    assert.equal((await collectVariables(undefined, read)).size, 0);
  });

  it('fails on a missing source that is not optional, naming it', async () => {
    await assert.rejects(
      collectVariables({ substituteFrom: [{ kind: 'Secret', name: 'absent' }] }, read),
      (err: unknown) =>
        err instanceof SubstitutionError &&
        err.reason === 'SourceNotFound' &&
        err.message.includes('postBuild.substituteFrom[0] (Secret/absent)') &&
        err.message.includes('optional: true'),
    );
  });

  it('tolerates only NotFound when optional', async () => {
    const forbidden: ReadVariables = () => Promise.reject(new Error('secrets "creds" is forbidden'));
    await assert.rejects(
      collectVariables({ substituteFrom: [{ kind: 'Secret', name: 'creds', optional: true }] }, forbidden),
      (err: unknown) =>
        err instanceof SubstitutionError &&
        err.reason === 'SourceUnreadable' &&
        err.message.includes('forbidden'),
    );
  });

  it('keeps secret values out of every message on the way to a failed object', async () => {
    const store2 = { 'Secret/creds': { token: 's3cr3t-value', bad: 's3cr3t: [' } };
    const vars = await collectVariables(
      { substituteFrom: [{ kind: 'Secret', name: 'creds' }] },
      (kind, name) => Promise.resolve(store2[`${kind}/${name}` as keyof typeof store2]),
    );
    const meta = { name: 'c', namespace: 'n' };
    const failing = [
      { kind: 'ConfigMap', metadata: meta, data: { a: '${token}', b: '${nope}' } },
      { kind: 'ConfigMap', metadata: meta, data: { a: '${token}', b: '${token' } },
      { kind: 'ConfigMap', metadata: meta, data: { a: '${token} ${bad}' } },
    ];
    for (const obj of failing) {
      const err = failure(() => substituteObject(obj, vars, { strict: true }));
      assert.ok(
        !/s3cr3t/.test(`${err.message} ${String(err.stack)}`),
        `${err.reason} error holds a secret value`,
      );
    }
  });
});
