// The errors a render can end with.

export type RenderErrorCode =
  | 'InvalidRequest'
  | 'BuildFailed'
  | 'SecurityConstraint'
  | 'DecryptionFailed'
  | 'Timeout'
  | 'Panic'
  | 'Internal';

/** The engine refused or failed to render this input. The message names what and where. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(
    readonly code: RenderErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The helper process failed (crashed, was killed, could not start): retry later. */
export class RendererUnavailableError extends Error {
  override readonly name = 'RendererUnavailableError';
}
