// `tide create source git <name>`: a GitRepository (and, from credential flags, its
// auth Secret named like it), applied and waited for until its first artifact.
import { Command, Option } from 'commander';
import { apiVersionOf } from '../../../api/crd.js';
import { GitRepositoryKind, type GitRepository } from '../../../api/source/gitrepository.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import { CoreResources, resourceFor } from '../../../runtime/client/resource.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { kubeFrom } from '../../kube/flags.js';
import { awaitReconcile } from '../../resources/await-reconcile.js';
import {
  checkCredentialFlags,
  gitCredentials,
  isSsh,
  parseGitUrl,
  secretForApply,
  secretManifest,
  type GitCredentialFlags,
} from '../../resources/git-credentials.js';
import { goDuration } from '../../resources/go-duration.js';
import { sshEndpoint } from '../../resources/known-hosts.js';
import { logLines } from '../../resources/log-lines.js';
import {
  checkNamespaceName,
  checkObjectName,
  collect,
  parseLabels,
  splitList,
} from '../../resources/names.js';
import { outcomeMessage } from '../../resources/status.js';
import { addSshKeyFlags, type SshKeyFlags } from './ssh-flags.js';
import { applyObject } from './apply.js';
import { addCreateFlags, printExport, type CreateFlags, type IntervalFlags } from './flags.js';

interface SourceGitFlags extends CreateFlags, IntervalFlags, SshKeyFlags {
  readonly url?: string;
  readonly branch?: string;
  readonly tag?: string;
  readonly tagSemver?: string;
  readonly refName?: string;
  readonly commit?: string;
  readonly username?: string;
  readonly password?: string;
  readonly provider?: string;
  readonly secretRef?: string;
  readonly privateKeyFile?: string;
  readonly caFile?: string;
  readonly recurseSubmodules?: boolean;
  readonly ignorePaths: string[];
  readonly sparseCheckoutPaths: string[];
  readonly proxySecretRef?: string;
  readonly fetchTimeout?: string;
  readonly silent?: boolean;
}

const GitRepositories = resourceFor(GitRepositoryKind);

export function newCreateSourceGitCommand(ctx: CliContext): Command {
  const cmd = new Command('git')
    .description('Create or update a GitRepository source and wait for its first artifact')
    .argument('<name>', 'name of the GitRepository (and of its credentials Secret)')
    .option('--url <url>', 'repository address: ssh://git@host/org/repo or https://host/org/repo')
    .option('--branch <branch>', 'branch to follow')
    .option('--tag <tag>', 'tag to check out')
    .option('--tag-semver <range>', 'semver range over the tags (e.g. ">=1.0.0 <2.0.0")')
    .option('--ref-name <ref>', 'full reference to check out (e.g. refs/heads/main, refs/pull/420/head)')
    .option('--commit <sha>', 'commit to check out (with --branch: a commit on that branch)')
    .option('-u, --username <username>', 'basic authentication username (HTTPS)')
    .option(
      '-p, --password <password>',
      'basic authentication password (HTTPS), or the passphrase of --private-key-file',
    )
    .addOption(
      new Option('--provider <provider>', 'how to authenticate').choices([
        'generic',
        'aws',
        'azure',
        'github',
      ]),
    )
    .option('--secret-ref <name>', 'an existing Secret with the credentials (no Secret is created)')
    .option(
      '--private-key-file <path>',
      'SSH private key to authenticate with (default: generate a deploy key)',
    )
    .option('--ca-file <path>', 'PEM CA bundle for a self-signed HTTPS server')
    .option('--recurse-submodules', 'check out submodules too')
    .option(
      '--ignore-paths <paths>',
      'paths to leave out of the artifact, .gitignore syntax (repeatable, comma-separated)',
      collect,
      [],
    )
    .option(
      '--sparse-checkout-paths <dirs>',
      'directories to check out, nothing else (repeatable, comma-separated)',
      collect,
      [],
    )
    .option('--proxy-secret-ref <name>', 'Secret with the proxy address (and username, password)')
    .option('--fetch-timeout <duration>', 'timeout of git operations (default 60s)')
    .option('-s, --silent', 'do not ask whether the generated deploy key was added to the repository');
  addSshKeyFlags(cmd);
  addCreateFlags(cmd, { interval: true });
  return cmd.action(async (name: string, flags: SourceGitFlags) => {
    await createSourceGit(ctx, name, flags);
  });
}

function gitRef(flags: SourceGitFlags): NonNullable<NonNullable<GitRepository['spec']>['ref']> {
  const refs = [
    ['--branch', flags.branch],
    ['--tag', flags.tag],
    ['--tag-semver', flags.tagSemver],
    ['--ref-name', flags.refName],
  ].filter((r): r is [string, string] => r[1] !== undefined);
  if (refs.length === 0 && flags.commit === undefined) {
    throw new CliError(
      'a Git ref is required: use --branch, --tag, --tag-semver, --ref-name or --commit.',
      ExitCode.usage,
    );
  }
  if (refs.length > 1) {
    throw new CliError(
      `${refs.map((r) => r[0]).join(' and ')} cannot be used together: a GitRepository follows one ref (only --commit combines, with --branch).`,
      ExitCode.usage,
    );
  }
  const [flag, value] = refs[0] ?? [];
  if (flags.commit !== undefined) {
    if (flag !== undefined && flag !== '--branch') {
      throw new CliError(
        `--commit cannot be used with ${flag}: it combines only with --branch.`,
        ExitCode.usage,
      );
    }
    return { commit: flags.commit, ...(value === undefined ? {} : { branch: value }) };
  }
  const field = { '--branch': 'branch', '--tag': 'tag', '--tag-semver': 'semver', '--ref-name': 'name' }[
    flag ?? ''
  ];
  return { [field ?? 'branch']: value ?? '' };
}

function checkFetchTimeout(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const ms = parseDuration(value);
    if (ms > 0 && /^([0-9]+(\.[0-9]+)?(ms|s|m))+$/.test(goDuration(ms))) return goDuration(ms);
  } catch {
    // reported below
  }
  throw new CliError(
    `--fetch-timeout takes a duration under an hour such as 30s or 2m, got '${value}'.`,
    ExitCode.usage,
  );
}

function credentialFlags(flags: SourceGitFlags): GitCredentialFlags {
  return {
    ...(flags.username === undefined ? {} : { username: flags.username }),
    ...(flags.password === undefined ? {} : { password: flags.password }),
    ...(flags.caFile === undefined ? {} : { caFile: flags.caFile }),
    ...(flags.privateKeyFile === undefined ? {} : { privateKeyFile: flags.privateKeyFile }),
    keyAlgorithm: flags.sshKeyAlgorithm,
    rsaBits: flags.sshRsaBits,
    ecdsaCurve: flags.sshEcdsaCurve,
  };
}

function hasCredentialFlags(flags: SourceGitFlags): boolean {
  return [flags.username, flags.password, flags.caFile, flags.privateKeyFile].some((v) => v !== undefined);
}

/** Validates every flag and builds the GitRepository; nothing is read or written yet. */
export function buildGitRepository(name: string, flags: SourceGitFlags): { repo: GitRepository; url: URL } {
  checkObjectName(name, 'GitRepository name');
  checkNamespaceName(flags.namespace, '--namespace');
  const url = parseGitUrl(flags.url);
  const ref = gitRef(flags);
  checkCredentialFlags(url, credentialFlags(flags));
  if (flags.secretRef !== undefined && hasCredentialFlags(flags)) {
    throw new CliError(
      '--secret-ref names an existing Secret; it cannot be combined with --username, --password, --private-key-file or --ca-file.',
      ExitCode.usage,
    );
  }
  if (flags.secretRef !== undefined) checkObjectName(flags.secretRef, '--secret-ref');
  if (flags.proxySecretRef !== undefined) checkObjectName(flags.proxySecretRef, '--proxy-secret-ref');
  const labels = parseLabels(flags.label);
  const timeout = checkFetchTimeout(flags.fetchTimeout);
  const ignore = splitList(flags.ignorePaths);
  const sparse = splitList(flags.sparseCheckoutPaths);
  // Credentials for an ssh:// URL are always needed: the controller trusts no host key on first use.
  const secretName = flags.secretRef ?? (hasCredentialFlags(flags) || isSsh(url) ? name : undefined);
  const repo: GitRepository = {
    apiVersion: apiVersionOf(GitRepositoryKind),
    kind: GitRepositoryKind.kind,
    metadata: { name, namespace: flags.namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec: {
      url: flags.url ?? '',
      interval: goDuration(flags.interval),
      ref,
      ...(timeout === undefined ? {} : { timeout }),
      ...(flags.provider === undefined ? {} : { provider: flags.provider as 'generic' }),
      ...(secretName === undefined ? {} : { secretRef: { name: secretName } }),
      ...(flags.proxySecretRef === undefined ? {} : { proxySecretRef: { name: flags.proxySecretRef } }),
      ...(flags.recurseSubmodules === true ? { recurseSubmodules: true } : {}),
      ...(ignore.length > 0 ? { ignore: ignore.join('\n') } : {}),
      ...(sparse.length > 0 ? { sparseCheckout: sparse } : {}),
    },
  };
  return { repo, url };
}

async function createSourceGit(ctx: CliContext, name: string, flags: SourceGitFlags): Promise<void> {
  const { repo, url } = buildGitRepository(name, flags);
  const log = logLines(ctx);
  const makesSecret = flags.secretRef === undefined && repo.spec?.secretRef !== undefined;
  if (flags.export === true) {
    if (makesSecret) {
      log.warning(
        `the credentials are not exported: print the Secret with: tide create secret git ${name} --url ${url.href} … --export`,
      );
    }
    printExport(ctx, [repo]);
    return;
  }
  const kube = await kubeFrom(ctx, flags);
  if (makesSecret) {
    if (isSsh(url) && flags.privateKeyFile === undefined) log.generate('generating deploy key pair');
    const creds = await gitCredentials(url, credentialFlags(flags), {
      timeoutMs: kube.timeoutMs,
      signal: ctx.signal,
    });
    if (isSsh(url)) {
      const { host, port } = sshEndpoint(url);
      log.success(`collected the host keys of the SSH server ${host}:${port}`);
    }
    if (creds.deployKey !== undefined) {
      log.action(`deploy key: ${creds.deployKey}`);
      if (flags.silent !== true) {
        const added = await ctx.confirm('Have you added the deploy key to your repository?');
        if (added === false) {
          throw new CliError(
            'aborted: add the deploy key to the repository (read access is enough), then run the command again; -s skips this question.',
          );
        }
      }
    }
    const secret = secretManifest(name, flags.namespace, creds.data, repo.metadata.labels);
    await applyObject(ctx, kube, CoreResources.Secret, secretForApply(secret));
    log.success('authentication configured');
  }
  await applyObject(ctx, kube, GitRepositories, repo);
  const ready = await awaitReconcile<GitRepository>(ctx, kube, GitRepositories, {
    kind: GitRepositoryKind.kind,
    name,
    namespace: flags.namespace,
  });
  log.success(outcomeMessage(ready, { colon: true }));
}
