// The kustomize controller's flags, with Flux's names and defaults, so a Flux
// kustomize-controller's arguments carry over unchanged.
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../../runtime/manager/duration.js';
import type { KustomizeControllerOptions } from './kustomize-controller.js';

export interface KustomizeControllerFlags extends KustomizeControllerOptions {
  /** Flux: --sops-age-secret, a Secret in the runtime namespace; read once at start-up. */
  readonly sopsAgeSecret?: string | undefined;
}

const FEATURE_GATES = ['StrictPostBuildSubstitutions'] as const;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer`);
  return n;
}

function bool(value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`"${value}" is not true or false`);
}

/**
 * Commander reads a `--no-x` flag as the negation of `x`: bare `--no-x` stores false,
 * absence true. Flux writes these flags as `--no-x=true|false`, so an explicit value is
 * tagged to keep it apart from the bare form.
 */
function negatedValue(value: string): 'yes' | 'no' {
  return bool(value) ? 'yes' : 'no';
}

/** Whether a `--no-x [bool]` flag is on: bare, or `=true`. */
function negatedFlag(stored: unknown): boolean {
  return stored === false || stored === 'yes';
}

/** `A=true,B=false` → map; unknown gates are refused so a typo does not pass silently. */
export function parseFeatureGates(value: string): Record<string, boolean> {
  const gates: Record<string, boolean> = {};
  for (const part of value.split(',').filter((p) => p.trim() !== '')) {
    const [name = '', setting = ''] = part.split('=').map((s) => s.trim());
    if (!(FEATURE_GATES as readonly string[]).includes(name)) {
      throw new InvalidArgumentError(`unknown feature gate "${name}" (known: ${FEATURE_GATES.join(', ')})`);
    }
    gates[name] = bool(setting);
  }
  return gates;
}

export function addKustomizeControllerFlags(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--requeue-dependency <d>', 'wait before re-checking a dependency or a source')
        .argParser((v) => {
          try {
            return parseDuration(v);
          } catch (err) {
            throw new InvalidArgumentError((err as Error).message);
          }
        })
        .default(30_000, '30s'),
    )
    .addOption(
      new Option('--no-cross-namespace-refs [bool]', 'refuse sourceRefs into other namespaces').argParser(
        negatedValue,
      ),
    )
    .addOption(
      new Option('--no-remote-bases [bool]', 'refuse remote bases in kustomizations').argParser(negatedValue),
    )
    .addOption(
      new Option(
        '--default-service-account <name>',
        'ServiceAccount to impersonate when an object names none',
      ),
    )
    .addOption(
      new Option('--concurrent-ssa <n>', 'objects applied at once per reconcile')
        .argParser(positiveInt)
        .default(4),
    )
    .addOption(
      new Option(
        '--custom-apply-stage-kinds <kinds>',
        'kinds applied in their own stage before the rest (comma separated)',
      ).argParser((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      ),
    )
    .addOption(new Option('--http-retry <n>', 'artifact download retries').argParser(Number).default(9))
    .addOption(
      new Option(
        '--insecure-kubeconfig-tls [bool]',
        'allow insecure-skip-tls-verify in kubeConfig Secrets',
      ).argParser(bool),
    )
    .addOption(
      new Option('--sops-age-secret <name>', 'Secret with age identities used for every Kustomization'),
    )
    .addOption(
      new Option(
        '--feature-gates <gates>',
        'feature gates, e.g. StrictPostBuildSubstitutions=false',
      ).argParser(parseFeatureGates),
    );
}

/** Reads the parsed flags of a command set up by addKustomizeControllerFlags. */
export function kustomizeControllerFlagsFrom(cmd: Command): KustomizeControllerFlags {
  const o = cmd.opts<Record<string, unknown>>();
  const flag = (name: string): boolean => o[name] === true;
  const gates = (o['featureGates'] ?? {}) as Record<string, boolean>;
  return {
    requeueDependencyMs: o['requeueDependency'] as number,
    noCrossNamespaceRefs: negatedFlag(o['crossNamespaceRefs']),
    noRemoteBases: negatedFlag(o['remoteBases']),
    defaultServiceAccount: o['defaultServiceAccount'] as string | undefined,
    concurrentSsa: o['concurrentSsa'] as number,
    customApplyStageKinds: (o['customApplyStageKinds'] as string[] | undefined) ?? [],
    httpRetry: o['httpRetry'] as number,
    insecureKubeConfigTls: flag('insecureKubeconfigTls'),
    strictSubstitutions: gates['StrictPostBuildSubstitutions'] ?? true,
    sopsAgeSecret: o['sopsAgeSecret'] as string | undefined,
  };
}
