/**
 * Errors that say whose fault they are.
 *
 * - `UsageError`: the caller misused the API; the message says what to do instead.
 * - `PeerError`: a remote peer sent something invalid; the node drops it, counts it, and may penalise
 *   the peer. It never escapes a protocol core as an exception (ARCHITECTURE.md, "The sans-IO contract").
 * - `InternalError`: a bug in grapevine itself.
 */

export type Fault = 'ours' | 'peer' | 'caller'

export class GrapevineError extends Error {
  readonly fault: Fault
  /** A stable machine-readable code, e.g. `ERR_FRAME_TOO_LARGE`. */
  readonly code: string

  constructor (fault: Fault, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.fault = fault
    this.code = code
    this.name = new.target.name
  }
}

/** The caller misused the API. The message names the fix. */
export class UsageError extends GrapevineError {
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super('caller', code, message, options)
  }
}

/** A remote peer sent bytes or content that break the protocol. */
export class PeerError extends GrapevineError {
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super('peer', code, message, options)
  }
}

/** An invariant of grapevine itself was broken: a bug to report. */
export class InternalError extends GrapevineError {
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super('ours', code, message, options)
  }
}

