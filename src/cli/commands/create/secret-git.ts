// `tide create secret git <name>`: the auth Secret a GitRepository's secretRef names —
// an SSH key pair (generated, or from --private-key-file) with the server's known_hosts,
// or HTTPS basic/bearer credentials and a CA. `--export` is the one place the CLI prints
// secret values: that is what the user asked for.
import { Command } from 'commander';
import { CoreResources } from '../../../runtime/client/resource.js';
import { CliError, ExitCode, type CliContext } from '../../context.js';
import { kubeFrom } from '../../kube/flags.js';
import {
  checkCredentialFlags,
  gitCredentials,
  isSsh,
  parseGitUrl,
  secretForApply,
  secretManifest,
  type GitCredentialFlags,
} from '../../resources/git-credentials.js';
import { logLines } from '../../resources/log-lines.js';
import { checkNamespaceName, checkObjectName, parseLabels } from '../../resources/names.js';
import { applyObject } from './apply.js';
import { addCreateFlags, printExport, type CreateFlags } from './flags.js';
import { addSshKeyFlags, type SshKeyFlags } from './ssh-flags.js';

interface SecretGitFlags extends CreateFlags, SshKeyFlags {
  readonly url?: string;
  readonly username?: string;
  readonly password?: string;
  readonly bearerToken?: string;
  readonly caCrtFile?: string;
  readonly privateKeyFile?: string;
}

export function newCreateSecretGitCommand(ctx: CliContext): Command {
  const cmd = new Command('git')
    .description('Create or update a Secret with Git credentials (SSH key and known_hosts, or HTTPS)')
    .argument('<name>', 'name of the Secret')
    .option('--url <url>', 'repository address: ssh://git@host/org/repo or https://host/org/repo')
    .option('-u, --username <username>', 'basic authentication username (HTTPS)')
    .option(
      '-p, --password <password>',
      'basic authentication password (HTTPS), or the passphrase of --private-key-file',
    )
    .option('--bearer-token <token>', 'bearer token (HTTPS)')
    .option('--ca-crt-file <path>', 'PEM CA bundle for a self-signed HTTPS server')
    .option('--private-key-file <path>', 'SSH private key (default: generate a key pair)');
  addSshKeyFlags(cmd);
  addCreateFlags(cmd);
  return cmd.action(async (name: string, flags: SecretGitFlags) => {
    await createSecretGit(ctx, name, flags);
  });
}

function credentialFlags(flags: SecretGitFlags): GitCredentialFlags {
  return {
    ...(flags.username === undefined ? {} : { username: flags.username }),
    ...(flags.password === undefined ? {} : { password: flags.password }),
    ...(flags.bearerToken === undefined ? {} : { bearerToken: flags.bearerToken }),
    ...(flags.caCrtFile === undefined ? {} : { caFile: flags.caCrtFile }),
    caFlag: '--ca-crt-file',
    ...(flags.privateKeyFile === undefined ? {} : { privateKeyFile: flags.privateKeyFile }),
    keyAlgorithm: flags.sshKeyAlgorithm,
    rsaBits: flags.sshRsaBits,
    ecdsaCurve: flags.sshEcdsaCurve,
  };
}

async function createSecretGit(ctx: CliContext, name: string, flags: SecretGitFlags): Promise<void> {
  checkObjectName(name, 'Secret name');
  checkNamespaceName(flags.namespace, '--namespace');
  const url = parseGitUrl(flags.url);
  const creds = credentialFlags(flags);
  checkCredentialFlags(url, creds);
  if (!isSsh(url) && [flags.username, flags.bearerToken, flags.caCrtFile].every((v) => v === undefined)) {
    throw new CliError(
      `${url.href} uses ${url.protocol.replace(':', '').toUpperCase()}: give --username and --password, --bearer-token, or --ca-crt-file.`,
      ExitCode.usage,
    );
  }
  const labels = parseLabels(flags.label);
  const log = logLines(ctx);
  if (isSsh(url) && flags.privateKeyFile === undefined) log.generate('generating deploy key pair');
  const { data, deployKey } = await gitCredentials(url, creds, {
    timeoutMs: flags.timeout,
    signal: ctx.signal,
  });
  const secret = secretManifest(name, flags.namespace, data, labels);
  if (flags.export === true) {
    printExport(ctx, [secret]);
    return;
  }
  const kube = await kubeFrom(ctx, flags);
  await applyObject(ctx, kube, CoreResources.Secret, secretForApply(secret));
  if (deployKey !== undefined) {
    log.action('deploy key (add it to the repository, read access is enough):');
    ctx.output.out(deployKey);
  }
}
