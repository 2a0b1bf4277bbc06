// Suspending and resuming: `spec.suspend` for the kinds that have it, the
// `source.extensions.fluxcd.io/reconcile: disabled` annotation for ArtifactGenerator.
import { CliError, ExitCode } from '../context.js';
import type { Noun } from './nouns.js';
import { GENERATOR_RECONCILE_ANNOTATION } from './status.js';

/** The merge patch that suspends (or resumes) an object of this noun. */
export function suspendPatch(noun: Noun, suspend: boolean): Record<string, unknown> {
  if (noun.kind.kind === 'ArtifactGenerator') {
    return { metadata: { annotations: { [GENERATOR_RECONCILE_ANNOTATION]: suspend ? 'disabled' : null } } };
  }
  if (!noun.suspendable) {
    throw new CliError(
      `${noun.kind.kind} objects cannot be suspended or resumed: they are written by the controller that produces them; suspend that one instead.`,
      ExitCode.usage,
    );
  }
  // Resuming removes the field rather than writing `false`, as the Go CLI's omitempty does.
  return { spec: { suspend: suspend ? true : null } };
}
