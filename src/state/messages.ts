/**
 * The anti-entropy messages as the core sees them (decoded and validated by ./codec.ts).
 *
 * Content per exchange style (the active role starts, the passive role answers):
 *
 *   style      content  active → passive        passive → active          active → passive
 *   push       delta    PUSH(recent deltas)
 *   push       full     PUSH(full state)
 *   pull       delta    PULL(digest)            PULL_REPLY(deltas)
 *   pull       full     PULL()                  PULL_REPLY(full state)
 *   push-pull  delta    SYN(digest)             ACK(digest, deltas)       ACK2(deltas)
 *   push-pull  full     SYN(full state)         ACK(full state)
 *
 * The push-pull delta exchange is Cassandra's SYN / ACK / ACK2; full push-pull is memberlist's state sync.
 */
import type { NodeId } from '../core/protocol.js'

/** One versioned key of one origin. Immutable: replicas share these objects. */
export interface Entry {
  readonly key: string
  /** Empty for a tombstone. */
  readonly value: Uint8Array
  readonly version: number
  /** A versioned tombstone: the key was deleted at `version`. */
  readonly deleted: boolean
  /** The origin's signature of the entry (./auth.ts); empty under StrictNoSign. */
  readonly signature: Uint8Array
}

/**
 * An origin's signed summary of its state at `version` (./auth.ts): how many live, non-deleted entries it
 * holds, their additive hash `sum` and their ordered `digest` (32 bytes each).
 */
export interface Head {
  readonly version: number
  readonly count: number
  readonly sum: Uint8Array
  readonly digest: Uint8Array
  readonly signature: Uint8Array
}

/** How far a node has seen an origin: all of its updates up to `version` in `generation`. */
export interface DigestEntry {
  readonly origin: NodeId
  readonly generation: number
  readonly version: number
}

/**
 * A digest of the origins `o` with `start <= o < end` in string order (`end === ''`: no upper bound).
 * Digests are paged so they stay bounded however many origins there are.
 */
export interface Digest {
  readonly start: string
  readonly end: string
  readonly entries: readonly DigestEntry[]
}

/**
 * The live entries of one origin with `fromVersion < version <= toVersion`, in version order, all of them
 * (so the receiver never has a gap), and the newest head of the origin the sender holds
 * (`head.version >= toVersion`), which lets the receiver check what it holds once it reaches that version.
 */
export interface OriginDelta {
  readonly origin: NodeId
  readonly generation: number
  readonly fromVersion: number
  readonly toVersion: number
  readonly entries: readonly Entry[]
  readonly head: Head
}

export type StateMessageKind = 'push' | 'pull' | 'pullReply' | 'syn' | 'ack' | 'ack2'

export interface StateMessage {
  readonly kind: StateMessageKind
  /** Correlates the messages of one exchange; chosen by the active role. */
  readonly exchange: number
  readonly digest?: Digest
  readonly deltas: readonly OriginDelta[]
}

/** A digest range test. */
export function inRange (origin: string, start: string, end: string): boolean {
  return origin >= start && (end === '' || origin < end)
}
