// Flag validation of `tide bootstrap git`: every refusal happens before any cluster or
// Git server is contacted (no kubeconfig is given), exits with the usage code, and
// names the flag and the fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../../context.js';
import { runTide } from '../../testdata/context.js';

const git = ['bootstrap', 'git'];

const cases: { name: string; argv: string[]; env?: Record<string, string>; error: RegExp }[] = [
  { name: 'no --url', argv: [], error: /--url is required, e\.g\. --url=https:\/\// },
  {
    name: 'an scp-like URL',
    argv: ['--url=git@example.com:org/fleet.git'],
    error: /scp-like address; write it as ssh:\/\/git@example\.com\/org\/fleet\.git/,
  },
  {
    name: 'plain HTTP without --allow-insecure-http',
    argv: ['--url=http://example.com/fleet.git', '--password=x'],
    error: /plain HTTP.*pass --allow-insecure-http/,
  },
  {
    name: 'credentials in the URL',
    argv: ['--url=https://me:secret@example.com/fleet.git'],
    error: /--url must not carry credentials; use --username and --password/,
  },
  {
    name: 'a --path outside the repository',
    argv: ['--url=https://example.com/fleet.git', '--path=../elsewhere'],
    error: /--path '\.\.\/elsewhere' leaves the repository/,
  },
  {
    name: '--private-key-file with an HTTPS URL',
    argv: ['--url=https://example.com/fleet.git', '--private-key-file=/tmp/key'],
    error: /--private-key-file is for SSH URLs/,
  },
  {
    name: '--ca-file with an SSH URL',
    argv: ['--url=ssh://git@example.com/fleet.git', '--ca-file=/tmp/ca.crt'],
    error: /--ca-file is for HTTP\(S\) URLs/,
  },
  {
    name: '--token-auth without a token',
    argv: ['--url=https://example.com/fleet.git', '--token-auth'],
    error: /--token-auth needs the token in --password/,
  },
  {
    name: '--with-bearer-token without a token',
    argv: ['--url=https://example.com/fleet.git', '--with-bearer-token'],
    error: /--with-bearer-token sends --password as the token/,
  },
  {
    name: 'an unknown component, with a suggestion',
    argv: ['--url=https://example.com/fleet.git', '--components=source-controler'],
    error: /unknown component 'source-controler'.*Did you mean source-controller\?/,
  },
  {
    name: 'an invalid --interval',
    argv: ['--url=https://example.com/fleet.git', '--interval=soon'],
    error: /--interval takes a duration such as 30s/,
  },
  {
    name: 'an invalid branch',
    argv: ['--url=https://example.com/fleet.git', '--branch=a..b'],
    error: /--branch 'a\.\.b' is not a valid branch name/,
  },
  {
    name: 'an invalid namespace',
    argv: ['--url=https://example.com/fleet.git', '-n', 'Not_Valid'],
    error: /--namespace 'Not_Valid' is not a valid namespace name/,
  },
];

describe('tide bootstrap git flag validation', () => {
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const res = await runTide([...git, ...c.argv], {
        env: { KUBECONFIG: '/nonexistent/kubeconfig', ...c.env },
      });
      assert.equal(res.code, ExitCode.usage, res.stderr);
      assert.match(res.stderr, c.error);
    });
  }

  it('takes the password from $GIT_PASSWORD (then needs the cluster)', async () => {
    const res = await runTide([...git, '--url=https://example.com/fleet.git', '--with-bearer-token'], {
      env: { KUBECONFIG: '/nonexistent/kubeconfig', GIT_PASSWORD: 'token' },
    });
    assert.equal(res.code, ExitCode.noCluster, res.stderr);
  });

  it('lists Flux’s flags in the help', async () => {
    const res = await runTide([...git, '--help']);
    for (const flag of [
      '--url',
      '--branch',
      '--path',
      '--interval',
      '--username',
      '--password',
      '--with-bearer-token',
      '--token-auth',
      '--private-key-file',
      '--ca-file',
      '--allow-insecure-http',
      '--author-name',
      '--author-email',
      '--commit-message-appendix',
      '--secret-name',
      '--components',
      '--registry',
      '--watch-all-namespaces',
      '--network-policy',
      '--cluster-domain',
      '--silent',
      '--kubeconfig',
      '--timeout',
    ]) {
      assert.ok(res.stdout.includes(flag), `${flag} in the help`);
    }
  });
});
