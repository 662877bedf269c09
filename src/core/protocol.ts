/**
 * The contract between protocol cores and drivers (ARCHITECTURE.md, "The sans-IO contract").
 *
 * A core is a plain object that reacts to inputs and acts on the world only through the `Io` it was given.
 *
 *   inputs  (driver → core, each with `now` in milliseconds):
 *     start · timer fired · peer up · peer down                               every core
 *     message from a peer · malformed frame from a peer                       wire protocols only
 *     local commands (methods of each core, e.g. `state.set(now, key, value)`)
 *   outputs (core → Io):
 *     setTimer · connect / disconnect · hold / release · report · emit        every core
 *     send                                                                    wire protocols only
 *
 * Two kinds of core: a **wire protocol** has a `wire` spec (protocol ids, codec, frame limit) and exchanges
 * messages with peers; a **local core** (`wire: null`) never touches the wire — it works from timers,
 * peer events and the other cores of its node (topic discovery is one).
 *
 * Time: `now` is a monotonic millisecond count chosen by the driver (virtual in the simulator, real on the
 * network). A core never reads a clock. Timers are data: a core asks for `timer` to fire at `at`; timers
 * cannot be cancelled, so a core marks them with tokens and ignores stale ones. Events that fall on the
 * same instant are delivered in the order they were scheduled. Randomness comes only from the seeded `Rng`
 * in the core's `Env`.
 *
 * Connections are shared by the cores of a node. Each core says which connections it needs:
 *   connect(p)     hold the connection to p, dialling if there is none; `onPeerUp` follows, or `onPeerDown`
 *                  if the dial fails (told to every core that holds p; their holds are dropped)
 *   hold(p)        hold the connection to p without dialling (a connection this core routes through)
 *   release(p)     stop holding it; the connection stays open
 *   disconnect(p)  stop holding it, and close it if no core of this node holds it any more
 * A closed connection is reported with `onPeerDown` to every core at both ends that was told it was up.
 *
 * Peers that break a protocol's rules are reported with a sanction, applied identically by every driver:
 *   penalise       counted and reported to the application; the connection stays
 *   disconnect     the connection is closed now, whoever holds it
 *   ban            closed, and the peer refused (dials both ways, messages) for the driver's ban time
 *
 * Versions: a wire protocol lists its protocol ids newest first; `onPeerUp`'s `link.protocol` says which of
 * them the stream we write to that peer negotiates (the first of ours the peer speaks), so a core can
 * shape its first message for that version (GossipSub v1.3 sends its Extensions only on /meshsub/1.3.0).
 * Absent for local cores and when the driver cannot tell; a core then assumes the oldest behaviour.
 *
 * Messages: a wire protocol sends and receives typed messages; the driver turns them into bytes with the
 * codec, enforcing `maxFrameBytes` before decoding. Bytes that do not decode reach the core as
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

/** What a wire protocol puts on the wire. */
export interface WireSpec<M> {
  /** Protocol ids, preferred first (on libp2p, the ids its streams negotiate). */
  readonly protocolIds: readonly string[]
  readonly codec: Codec<M>
  /** Frames larger than this are dropped (and reported through `onMalformed`) before decoding. */
  readonly maxFrameBytes: number
  /** The signature checks this protocol lets its driver make off the event loop (absent: it checks inline only). */
  readonly offload?: SignatureOffload<M>
}

/** One Ed25519 signature check: pure data, so it can be made in another thread. */
export interface SignatureCheck {
  /** The author's raw Ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array
  /** The bytes the signature covers. */
  readonly signed: Uint8Array
  readonly signature: Uint8Array
  /** What the verdict is about, for the core (the driver does not look at it). */
  readonly subject: object
}

/**
 * Signature checks a wire protocol lets its driver make elsewhere (rule 11 in ARCHITECTURE.md §3): for a
 * decoded message the driver asks `checksOf`, makes the checks (anywhere, in any order), gives every
 * verdict back with `settle`, and only then passes the message to `onMessage` — a peer's messages in the
 * order they arrived. A verdict is a pure function of the check's bytes, so the core acts exactly as if it
 * had checked inline; a check never settled is made inline.
 */
export interface SignatureOffload<M> {
  /** The checks `msg` needs that the core has not made (none for duplicates, unsigned messages, other key types). */
  checksOf (from: NodeId, msg: M): SignatureCheck[]
  settle (check: SignatureCheck, ok: boolean): void
}

/** How a driver treats a peer that broke a protocol's rules; each level includes the ones before. */
export type Sanction = 'penalise' | 'disconnect' | 'ban'

/** A report of a peer's misbehaviour, as the driver applied it. */
export interface Misbehaviour {
  peer: NodeId
  sanction: Sanction
  /** Why, in a few words (e.g. 'malformed frames', 'graft during backoff'). */
  reason: string
}

/** What the driver knows of a connection that came up. */
export interface PeerLink {
  /** This node dialled it. */
  outbound: boolean
  /** The peer's IP address, where the transport has one. */
  address?: string
  /**
   * Wire protocols: the protocol id our stream to the peer negotiates — the first of `wire.protocolIds`
   * the peer speaks (libp2p: from identify, or the id of the stream the peer opened first). Absent when
   * unknown.
   */
  protocol?: string
  /** The software the peer says it runs (libp2p identify's agent version), when known. */
  agent?: string
}

/** The outputs every core has. */
export interface LocalIo<T, E> {
  /** Ask for `timer` to be handed back through `onTimer` at time `at` (or as soon after as possible). */
  setTimer (at: number, timer: T): void
  /** Hold the connection to `peer`, dialling if there is none. */
  connect (peer: NodeId): void
  /** Stop holding the connection to `peer`, and close it if no core of this node holds it. */
  disconnect (peer: NodeId): void
  /** Hold the connection to `peer` without dialling. */
  hold (peer: NodeId): void
  /** Stop holding the connection to `peer`; it stays open. */
  release (peer: NodeId): void
  /** `peer` broke this protocol's rules: the driver applies `sanction` and tells the application why. */
  report (peer: NodeId, sanction: Sanction, reason: string): void
  /** Tell the application (or a scenario) something happened. */
  emit (event: E): void
}

/** The outputs of a wire protocol. */
export interface Io<M, T, E> extends LocalIo<T, E> {
  /**
   * Send `msg` to `to`. With no connection to `to`, the network driver dials one for it (held by no core);
   * the simulator delivers it after one link delay. Returns false when the driver refused it because the
   * send queue to `to` is full (counted by the driver); anything else when
   * it was queued — then it is written unless the connection dies, which the driver counts as lost. (Typed
   * `unknown` so an observer in a test may return anything: only `false` means refused.)
   */
  send (to: NodeId, msg: M): unknown
  /** Bytes this core may still queue to `to` before sends are refused (≤ 0: full; Infinity: no bound). */
  room? (to: NodeId): number
}

/**
 * A driver's per-peer send queues, for what runs beside the cores (the pub/sub facade waits on them before
 * publishing). `core` is the core's name. A send is accepted while `room > 0`, and `room(p) ≥ n` means the
 * next n bytes sent to `p` are all accepted (queues may be shared: the simulator models one uplink per node).
 */
export interface SendQueues {
  /** Bytes `core` may still queue to `peer` (≤ 0: full; Infinity: unbounded). */
  room (core: string, peer: NodeId): number
  /** The room of an empty queue (what waiting can ever give). */
  capacity (core: string): number
  /** Calls `fn` once the queue of `core` to `peer` has room for `bytes` (or is gone); returns a function that cancels it. */
  onRoom (core: string, peer: NodeId, bytes: number, fn: () => void): () => void
}

/** What a core is given when it is made. */
export interface Env<M, T, E> {
  /** The node's id. */
  readonly id: NodeId
  /** The core's name in its node: the driver routes its timers, messages and reports by it. */
  readonly name: string
  readonly rng: Rng
  readonly io: Io<M, T, E>
}

/** The environment of a local core: no `send`. */
export interface LocalEnv<T, E> {
  readonly id: NodeId
  readonly name: string
  readonly rng: Rng
  readonly io: LocalIo<T, E>
}

/** A driver's time for what runs beside the cores (the facades' timeouts): virtual in the simulator. */
export interface Clock {
  now (): number
  /** Runs `fn` after `ms`; returns a function that cancels it. */
  after (ms: number, fn: () => void): () => void
}

/** Where a driver delivers what one core emits and the misbehaviour reports it applied. */
export interface CoreListener<E> {
  event? (event: E): void
  misbehaviour? (report: Misbehaviour): void
}

/** The inputs every core takes. */
export interface CoreInputs<T> {
  /** The core's role in its node ('membership', 'broadcast', …), from its `Env`. */
  readonly name: string
  start (now: number): void
  onTimer (now: number, timer: T): void
  /** A connection to `peer` is open (and, for a wire protocol, the peer speaks it). */
  onPeerUp (now: number, peer: NodeId, link: PeerLink): void
  /** The connection to `peer` closed, or a dial this core asked for failed. */
  onPeerDown (now: number, peer: NodeId): void
}

/** A core that exchanges messages with peers. */
export interface WireProtocol<M, T> extends CoreInputs<T> {
  readonly wire: WireSpec<M>
  onMessage (now: number, from: NodeId, msg: M): void
  onMalformed (now: number, from: NodeId, error: PeerError): void
}

/** A core that never touches the wire. */
export interface LocalCore<T> extends CoreInputs<T> {
  readonly wire: null
}

/** Any core, for drivers that host several side by side. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCore = WireProtocol<any, any> | LocalCore<any>
