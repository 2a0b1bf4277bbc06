// Inputs are validated before anything is read or written: every case here runs with
// no cluster, exits with the usage code, and names the flag (or argument) to fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runTide } from '../../testdata/context.js';

const env = { KUBECONFIG: '/nonexistent/kubeconfig' };
const git = ['create', 'source', 'git', 'podinfo'];
const ks = ['create', 'kustomization', 'podinfo'];
const secret = ['create', 'secret', 'git', 'auth'];

const cases: { argv: string[]; error: RegExp }[] = [
  { argv: [...git, '--branch=main'], error: /--url is required/ },
  {
    argv: [...git, '--url=git@github.com:org/repo', '--branch=main'],
    error: /scp-like address; write it as ssh:\/\/git@github.com\/org\/repo/,
  },
  {
    argv: [...git, '--url=ftp://example.com/r', '--branch=main'],
    error: /--url 'ftp:\/\/example.com\/r': the scheme 'ftp' is not supported, it can be ssh, http or https/,
  },
  {
    argv: [...git, '--url=https://example.com/r'],
    error: /a Git ref is required: use --branch, --tag, --tag-semver, --ref-name or --commit/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--tag=v1'],
    error: /--branch and --tag cannot be used together/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--tag=v1', '--commit=abc'],
    error: /--commit cannot be used with --tag/,
  },
  {
    argv: [...git, '--url=ssh://git@example.com/r', '--branch=main', '--ca-file=ca.pem'],
    error: /--ca-file is for HTTP\(S\) URLs/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--private-key-file=id'],
    error: /--private-key-file is for SSH URLs/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '-u', 'git'],
    error: /--username needs --password/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--secret-ref=auth', '-u', 'a', '-p', 'b'],
    error: /--secret-ref names an existing Secret; it cannot be combined/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--label', 'oops'],
    error: /--label 'oops' must be in the form key=value/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--fetch-timeout', '2h'],
    error: /--fetch-timeout takes a duration under an hour/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--interval', 'soon'],
    error: /--interval takes a duration such as 30s, 5m or 1h, got 'soon'/,
  },
  {
    argv: ['create', 'source', 'git', 'PodInfo', '--url=https://example.com/r', '--branch=main'],
    error: /GitRepository name 'PodInfo' is not a valid name/,
  },
  {
    argv: [...git, '--url=https://example.com/r', '--branch=main', '--ssh-key-algorithm', 'dsa'],
    error: /option '--ssh-key-algorithm <algorithm>' argument 'dsa' is invalid/,
  },
  { argv: [...ks], error: /--source is required/ },
  {
    argv: [...ks, '--source=HelmRepository/podinfo'],
    error:
      /--source 'HelmRepository\/podinfo': unknown kind 'HelmRepository'; it can be OCIRepository, GitRepository, Bucket, ExternalArtifact/,
  },
  {
    argv: [...ks, '--source=podinfo', '--path=../outside'],
    error: /--path '..\/outside' must be a relative path inside the source/,
  },
  {
    argv: [...ks, '--source=podinfo', '--path=/abs'],
    error: /--path '\/abs' must be a relative path inside the source/,
  },
  {
    argv: [...ks, '--source=podinfo', '--health-check=Deployment/web'],
    error: /--health-check 'Deployment\/web' must be in the format '<kind>\/<name>.<namespace>'/,
  },
  {
    argv: [...ks, '--source=podinfo', '--decryption-secret=keys'],
    error: /--decryption-secret needs --decryption-provider=sops/,
  },
  {
    argv: [...ks, '--source=podinfo', '--depends-on=a/b/c'],
    error: /--depends-on 'a\/b\/c' must be <name> or <namespace>\/<name>/,
  },
  {
    argv: [...ks, '--source=podinfo', '--target-namespace=Prod'],
    error: /--target-namespace 'Prod' is not a valid namespace/,
  },
  { argv: [...secret], error: /--url is required/ },
  {
    argv: [...secret, '--url=https://example.com/r'],
    error: /give --username and --password, --bearer-token, or --ca-crt-file/,
  },
  {
    argv: [...secret, '--url=https://example.com/r', '-u', 'a', '-p', 'b', '--bearer-token', 't'],
    error: /--bearer-token cannot be combined with --username\/--password/,
  },
  {
    argv: [...secret, '--url=ssh://git@example.com/r', '--bearer-token', 't'],
    error: /--bearer-token is for HTTP\(S\) URLs/,
  },
  {
    argv: [...secret, '--url=ssh://git@example.com/r', '-p', 'pass'],
    error: /--password with an SSH URL is the passphrase of --private-key-file/,
  },
  {
    argv: [...secret, '--url=https://example.com/r', '--ca-crt-file=/nonexistent/ca.pem'],
    error: /--ca-crt-file \/nonexistent\/ca.pem: cannot read the file \(ENOENT\)/,
  },
  {
    argv: ['create', 'source', 'gti', 'x'],
    error: /unknown word 'gti' for tide create source; did you mean git\?/,
  },
  {
    argv: ['create', 'kustomizaton', 'x'],
    error: /unknown word 'kustomizaton' for tide create; did you mean kustomization\?/,
  },
];

describe('create: invalid input is refused before any write', () => {
  for (const c of cases) {
    it(c.argv.slice(1).join(' '), async () => {
      const res = await runTide(c.argv, { env });
      assert.equal(res.code, 2, `exit code (stderr: ${res.stderr})`);
      assert.match(res.stderr, c.error);
      assert.equal(res.stdout, '');
    });
  }

  it('a valid command without --export needs a cluster, and says how to point at one', async () => {
    const res = await runTide([...git, '--url=https://example.com/r', '--branch=main'], {
      env,
      home: '/nonexistent',
    });
    assert.equal(res.code, 6, res.stderr);
    assert.match(res.stderr, /--kubeconfig or KUBECONFIG/);
  });
});
