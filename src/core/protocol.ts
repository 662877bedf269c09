/**
 * The contract every protocol core follows (DESIGN.md §2).
 *
 * A core is a plain object that reacts to inputs and acts on the world only through the `Io` it was given:
 *
 *   inputs  (driver → core, each with `now` in milliseconds):
 *     start, message from a peer, timer fired, peer up, peer down, malformed frame from a peer,
 *     and local commands (methods specific to each core, e.g. `state.set(now, key, value)`)
 *   outputs (core → Io):
 *     send(to, msg), connect(peer), disconnect(peer), setTimer(at, timer), emit(event)
 *
 * Time: `now` is a monotonic millisecond count chosen by the driver (virtual in the simulator, real in the
 * network driver). A core never reads a clock. Timers are data: a core asks for `timer` to fire at `at`; a
 * timer cannot be cancelled, so a core marks its timers with tokens and ignores stale ones. Events that fall
 * on the same instant are delivered in the order they were scheduled.
 *
 * Randomness: a core draws only from the seeded `Rng` in its `Env`.
 *
 * Messages: a core sends and receives typed messages; the driver turns them into bytes with the core's
 * `codec`, enforcing `maxFrameBytes` before decoding. Bytes that do not decode reach the core as
 * `onMalformed`, never as an exception.
 */
import type { PeerError } from './errors.js'
import type { Rng } from './rng.js'

/** A node's identity as the cores see it: a libp2p peer id string on the network, `n17` in the simulator. */
export type NodeId = string

/** Turns a protocol's messages into bytes and back. `decode` validates and throws `PeerError` on bad input. */
export interface Codec<M> {
  encode (msg: M): Uint8Array
  decode (bytes: Uint8Array): M
  /** The exact encoded length of `msg`, without encoding it (lets a simulator skip the codec yet count bytes). */
  size? (msg: M): number
}

/** The outputs of a core: the only way it acts on the world. */
export interface Io<M, T, E = never> {
  /** Send `msg` to `to`. Delivery is best-effort: the peer may be gone, the message lost. */
  send (to: NodeId, msg: M): void
  /** Ask for `timer` to be handed back through `onTimer` at time `at` (or as soon after as possible). */
  setTimer (at: number, timer: T): void
  /** Open a connection to `peer`; `onPeerUp` or `onPeerDown` follows. */
  connect (peer: NodeId): void
  /** Close the connection to `peer`. */
  disconnect (peer: NodeId): void
  /** Tell the application (or the simulator's observers) something happened. */
  emit (event: E): void
}

/** What a core is given when it is made. */
export interface Env<M, T, E = never> {
  readonly id: NodeId
  readonly rng: Rng
  readonly io: Io<M, T, E>
}

/** The inputs a driver feeds into a core. */
export interface Protocol<M, T> {
  /** Channel name; on the network, the protocol id is `/grapevine/<name>/1.0.0`. */
  readonly name: string
  readonly codec: Codec<M>
  /** Frames larger than this are dropped (and reported through `onMalformed`) before decoding. */
  readonly maxFrameBytes: number
  start (now: number): void
  onMessage (now: number, from: NodeId, msg: M): void
  onTimer (now: number, timer: T): void
  /** A connection to `peer` is open; `outbound`: this node dialled it. */
  onPeerUp (now: number, peer: NodeId, outbound?: boolean): void
  onPeerDown (now: number, peer: NodeId): void
  onMalformed (now: number, from: NodeId, error: PeerError): void
}

/** Any protocol, for drivers that host several side by side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyProtocol = Protocol<any, any>
