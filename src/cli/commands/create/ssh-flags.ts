// The key-generation flags of `create source git` and `create secret git`, with the
// flux CLI's names and defaults (ECDSA on P-384; RSA 2048 bits).
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ECDSA_CURVES,
  KEY_ALGORITHMS,
  type EcdsaCurve,
  type KeyAlgorithm,
} from '../../resources/ssh-keys.js';

export interface SshKeyFlags {
  readonly sshKeyAlgorithm: KeyAlgorithm;
  readonly sshRsaBits: number;
  readonly sshEcdsaCurve: EcdsaCurve;
}

function rsaBits(value: string): number {
  const bits = Number(value);
  if (!Number.isInteger(bits) || bits < 1024 || bits > 8192 || bits % 8 !== 0) {
    throw new InvalidArgumentError(`--ssh-rsa-bits takes a key size such as 2048 or 4096, got '${value}'.`);
  }
  return bits;
}

export function addSshKeyFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--ssh-key-algorithm <algorithm>', 'algorithm of a generated SSH key')
        .choices(KEY_ALGORITHMS)
        .default('ecdsa'),
    )
    .addOption(
      new Option('--ssh-rsa-bits <bits>', 'size of a generated RSA key').argParser(rsaBits).default(2048),
    )
    .addOption(
      new Option('--ssh-ecdsa-curve <curve>', 'curve of a generated ECDSA key')
        .choices(ECDSA_CURVES)
        .default('p384'),
    );
}
