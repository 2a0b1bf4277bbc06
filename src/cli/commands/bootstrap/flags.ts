// The flags of `tide bootstrap git`: Flux's names and defaults (bootstrap's shared
// flags, the git ones, the install ones), and their translation into a checked plan.
import { Command, Option } from 'commander';
import { normalizeRepoPath, type SyncOptions } from '../../../bootstrap/repo-files.js';
import {
  validateInstallOptions,
  type Component,
  type InstallOptions,
  type LogLevel,
} from '../../../install/options.js';
import { parseDuration } from '../../../runtime/manager/duration.js';
import { CliError, ExitCode } from '../../context.js';
import { durationArg, type KubeFlags } from '../../kube/flags.js';
import {
  checkCredentialFlags,
  parseGitUrl,
  type GitCredentialFlags,
} from '../../resources/git-credentials.js';
import type { EcdsaCurve, KeyAlgorithm } from '../../resources/ssh-keys.js';
import { addSshKeyFlags } from '../create/ssh-flags.js';
import { addComponentFlags, installOptionsFrom } from '../install/options.js';

export interface BootstrapGitFlags extends KubeFlags {
  readonly url?: string;
  readonly branch: string;
  readonly path: string;
  readonly interval: number;
  readonly username: string;
  readonly password?: string;
  readonly withBearerToken: boolean;
  readonly tokenAuth: boolean;
  readonly privateKeyFile?: string;
  readonly sshKeyAlgorithm: KeyAlgorithm;
  readonly sshRsaBits: number;
  readonly sshEcdsaCurve: EcdsaCurve;
  readonly caFile?: string;
  readonly allowInsecureHttp: boolean;
  readonly authorName: string;
  readonly authorEmail: string;
  readonly commitMessageAppendix?: string;
  readonly secretName: string;
  readonly silent: boolean;
  readonly components: Component[];
  readonly registry: string;
  readonly image?: string;
  readonly imagePullSecret?: string;
  readonly watchAllNamespaces: boolean;
  readonly networkPolicy: boolean;
  readonly clusterDomain: string;
  readonly logLevel: LogLevel;
  readonly tolerationKeys: string[];
  readonly skipCrds: boolean;
}

export function addBootstrapGitFlags(cmd: Command): Command {
  cmd
    .addOption(
      new Option(
        '--url <url>',
        'Git repository URL (https://, ssh://, or http:// with --allow-insecure-http)',
      ),
    )
    .addOption(new Option('--branch <branch>', 'Git branch').default('main'))
    .addOption(
      new Option('--path <path>', "the cluster's folder in the repository, e.g. clusters/my-cluster").default(
        '',
      ),
    )
    .addOption(
      new Option('--interval <duration>', "the GitRepository's sync interval")
        .argParser(durationArg('--interval'))
        .default(parseDuration('1m'), '1m'),
    )
    .addOption(new Option('-u, --username <name>', 'basic authentication username').default('git'))
    .addOption(
      new Option(
        '-p, --password <password>',
        'basic authentication password (or $GIT_PASSWORD); the passphrase of --private-key-file for SSH',
      ),
    )
    .addOption(new Option('--with-bearer-token', 'send --password as a bearer token').default(false))
    .addOption(
      new Option(
        '--token-auth',
        'authenticate with --password as a token over HTTPS instead of an SSH key',
      ).default(false),
    )
    .addOption(
      new Option('--private-key-file <path>', 'SSH private key to push with and to store in the cluster'),
    )
    .addOption(new Option('--ca-file <path>', 'CA bundle (PEM) the Git server is verified with'))
    .addOption(
      new Option('--allow-insecure-http', 'allow an http:// URL (credentials travel in the clear)').default(
        false,
      ),
    )
    .addOption(new Option('--author-name <name>', 'author name of the commit').default('Flux'))
    .addOption(new Option('--author-email <email>', 'author email of the commit').default(''))
    .addOption(
      new Option('--commit-message-appendix <text>', "appended to the commit message, e.g. '[ci skip]'"),
    )
    .addOption(
      new Option('--secret-name <name>', 'the Secret the GitRepository authenticates with').default(
        'flux-system',
      ),
    )
    .addOption(new Option('-s, --silent', 'do not ask to confirm the deploy key').default(false))
    .addOption(
      new Option(
        '--skip-crds',
        'leave the CRDs out of the cluster and of gotk-components.yaml (they are managed elsewhere); they must be installed',
      ).default(false),
    );
  return addSshKeyFlags(addComponentFlags(cmd));
}

/** What bootstrap will do, from checked flags. */
export interface BootstrapPlan {
  /** The URL the GitRepository gets (and bootstrap pushes to). */
  readonly url: URL;
  readonly install: InstallOptions;
  readonly sync: SyncOptions;
  readonly credentials: GitCredentialFlags;
  readonly skipCrds: boolean;
}

export function bootstrapPlan(
  flags: BootstrapGitFlags,
  version: string,
  env: Readonly<Record<string, string | undefined>>,
): BootstrapPlan {
  let url = parseGitUrl(flags.url);
  if (url.protocol === 'http:' && !flags.allowInsecureHttp) {
    throw new CliError(
      `--url ${url.href} uses plain HTTP, which sends credentials in the clear: use https://, or pass --allow-insecure-http`,
      ExitCode.usage,
    );
  }
  if (url.username !== '' && url.protocol !== 'ssh:') {
    throw new CliError(`--url must not carry credentials; use --username and --password`, ExitCode.usage);
  }
  const password = flags.password ?? nonEmpty(env['GIT_PASSWORD']);
  if (flags.tokenAuth) {
    if (password === undefined) {
      throw new CliError('--token-auth needs the token in --password (or $GIT_PASSWORD)', ExitCode.usage);
    }
    // Flux keeps the host and path and switches an SSH URL to HTTPS.
    if (url.protocol === 'ssh:') url = new URL(`https://${url.hostname}${url.pathname}`);
  }
  if (flags.withBearerToken && password === undefined) {
    throw new CliError(
      '--with-bearer-token sends --password as the token: give --password (or $GIT_PASSWORD)',
      ExitCode.usage,
    );
  }
  const credentials = credentialFlags(url, flags, password);
  checkCredentialFlags(url, credentials);
  const path = normalizeRepoPath(flags.path);
  if (path === undefined) {
    throw new CliError(
      `--path '${flags.path}' leaves the repository: give a folder relative to its root, e.g. clusters/my-cluster`,
      ExitCode.usage,
    );
  }
  checkNames(flags);
  const install: InstallOptions = installOptionsFrom(flags, version);
  const problems = validateInstallOptions(install);
  if (problems.length > 0) throw new CliError(problems.join('\n  '), ExitCode.usage);
  return {
    url,
    install,
    sync: {
      name: flags.namespace,
      namespace: flags.namespace,
      url: url.href,
      branch: flags.branch,
      intervalMs: flags.interval,
      path,
      secretName: flags.secretName,
    },
    credentials,
    skipCrds: flags.skipCrds,
  };
}

function credentialFlags(
  url: URL,
  flags: BootstrapGitFlags,
  password: string | undefined,
): GitCredentialFlags {
  const ssh = url.protocol === 'ssh:';
  return {
    ...(!ssh && password !== undefined && !flags.withBearerToken
      ? { username: flags.username, password }
      : {}),
    ...(!ssh && password !== undefined && flags.withBearerToken ? { bearerToken: password } : {}),
    ...(ssh && password !== undefined ? { password } : {}),
    ...(flags.caFile === undefined ? {} : { caFile: flags.caFile, caFlag: '--ca-file' }),
    ...(flags.privateKeyFile === undefined ? {} : { privateKeyFile: flags.privateKeyFile }),
    keyAlgorithm: flags.sshKeyAlgorithm,
    rsaBits: flags.sshRsaBits,
    ecdsaCurve: flags.sshEcdsaCurve,
  };
}

function checkNames(flags: BootstrapGitFlags): void {
  if (
    !/^[A-Za-z0-9._/-]+$/.test(flags.branch) ||
    flags.branch.includes('..') ||
    flags.branch.startsWith('-')
  ) {
    throw new CliError(`--branch '${flags.branch}' is not a valid branch name`, ExitCode.usage);
  }
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(flags.secretName)) {
    throw new CliError(`--secret-name '${flags.secretName}' is not a valid Secret name`, ExitCode.usage);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
