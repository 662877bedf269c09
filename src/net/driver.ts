/**
 * The network driver: runs sans-IO cores on a js-libp2p host with real time, following the contract of
 * src/core/protocol.ts exactly as the simulator does (ARCHITECTURE.md, "Drivers").
 *
 * Wire protocols: the core's protocol ids (`/grapevine/…/1.0.0`, or `/meshsub/1.3.0` … `/1.0.0` for
 * GossipSub); one long-lived outbound stream per peer that we write length-prefixed frames to, and the
 * peer's inbound streams we read frames from. A connection counts once the peer has answered identify on
 * it (a node that refuses us after the handshake never does): then a wire protocol hears `onPeerUp` if the
 * peer speaks it (or as soon as the peer opens a stream of it), and local cores hear of the connection;
 * everyone told hears `onPeerDown` when the peer's last connection closes. `onPeerUp` names the protocol id
 * our stream to the peer negotiates: the first of the core's ids that identify lists for the peer (what
 * multistream-select picks from our ordered offer), or else the id of the stream the peer opened — a
 * version the peer speaks, so never above what our stream gets.
 *
 * Connections are shared by the cores: `connect` / `hold` add a core's hold on a peer, `release` drops it,
 * `disconnect` drops it and hangs up when no core holds the peer any more. A failed dial is told to the
 * cores that held the peer. Sanctions: `penalise` is counted; `disconnect` hangs up whoever holds the peer;
 * `ban` also refuses the peer (dials both ways, inbound streams) for `banMs`.
 *
 * Bad input never reaches a core as an exception: oversized frames are skipped and counted, bytes that do
 * not decode become `onMalformed`, a broken length prefix resets the stream. Every per-peer queue and the
 * ban list are bounded.
 */
import { randomBytes } from 'node:crypto'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InternalError, PeerError } from '../core/errors.js'
import { FifoMap } from '../core/fifo.js'
import { Holds } from '../core/holds.js'
import type { AnyCore, Clock, CoreListener, Env, LocalIo, Misbehaviour, NodeId, PeerLink, Sanction, SendQueues, WireProtocol } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import { MessageEncoder, decodeFrame, oversize } from '../core/wire.js'
import { FrameDecoder, frameHeader } from './frames.js'
import { Outbox, type Channel, type OutboxStats } from './outbox.js'
import { Scheduler } from './scheduler.js'
import type { VerifyPool } from './verify-pool.js'

/**
 * What the driver needs of a js-libp2p node: a whole `Libp2p` (createNode), or the components a libp2p
 * service is given (./service.ts adapts them).
 */
export type DriverHost = Pick<Libp2p, 'peerId' | 'handle' | 'unhandle' | 'addEventListener' | 'removeEventListener' | 'getConnections' | 'peerStore' | 'dial' | 'hangUp'>

export interface DriverOptions {
  /** Dialable addresses (multiaddr bytes) the cores know for a peer, tried before the peer store's. */
  addressesOf?: (peer: NodeId) => readonly Uint8Array[]
  /**
   * Bytes queued per peer and core (waiting for a stream or for the transport, or in the stream's write
   * buffer) before sends are refused (default 8 MiB: 8 frames of the largest size, ~0.1 s of a 1 Gbit/s link).
   */
  maxQueuedBytes?: number
  dialTimeoutMs?: number
  /** How long a banned peer is refused. */
  banMs?: number
  /** Most peers banned at once (the oldest ban is lifted first). */
  maxBanned?: number
  /** The seed of the cores' random streams (default: a random one). */
  seed?: number
  /** Where internal errors go (a bug in a core); default stderr. */
  onError?: (err: unknown) => void
  /**
   * Worker threads that make the signature checks a core offloads (its `wire.offload`); without one, cores
   * check inline. The driver uses it, its owner closes it.
   */
  verifyPool?: VerifyPool
}

export interface DriverStats extends OutboxStats {
  framesIn: number
  bytesIn: number
  /** Frames that did not decode. */
  malformed: number
  /** Frames over the core's limit, skipped. */
  oversize: number
  /** Streams reset for a broken length prefix. */
  resets: number
  /** Streams that ended in the middle of a frame. */
  truncated: number
  /** Times a stream was paused because MAX_WAITING of its messages waited for signature checks. */
  verifyPauses: number
  /** Frames never written, all reasons: refusedQueueFull + lostDialFailed + lostClosed + lostWriteFailed. */
  dropped: number
  dialFailures: number
  /** Misbehaviour reports applied, by sanction. */
  penalties: number
  disconnects: number
  bans: number
  /** Connections dialled only to send (no core held the peer), closed after UNHELD_IDLE_MS without a send or a hold. */
  idleClosed: number
}

/** A ban in force. */
export interface BanInfo { peer: NodeId, core: string, reason: string, remainingMs: number }

interface Hosted {
  core: AnyCore
  /** Peers this core was told are up. */
  up: Set<NodeId>
  /** Send queues per peer (wire protocols). */
  outbox: Outbox
}

/** Messages of one stream waiting for their signature checks (or for those before them) before it is paused. */
const MAX_WAITING = 16_384
/** The read buffer a stream we may pause gets: twice Yamux's largest window (16 MiB) and some. */
const PAUSED_READ_BUFFER = 33 * 1024 * 1024

/** How long a connection a core let go of stays open for its queued frames to be written. */
const GRACE_MS = 5000
/** A connection dialled for `send` alone is closed once no core held the peer and nothing was sent to it for this long. */
const UNHELD_IDLE_MS = 10_000

const SANCTION_STAT: Record<Sanction, 'penalties' | 'disconnects' | 'bans'> = { penalise: 'penalties', disconnect: 'disconnects', ban: 'bans' }

export class NetDriver implements SendQueues {
  readonly stats: DriverStats = {
    framesIn: 0, framesOut: 0, batchesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, oversize: 0, resets: 0, truncated: 0, verifyPauses: 0, dropped: 0,
    refusedQueueFull: 0, lostDialFailed: 0, lostClosed: 0, lostWriteFailed: 0, drainWaits: 0, dialFailures: 0, penalties: 0, disconnects: 0, bans: 0, idleClosed: 0
  }
  readonly scheduler: Scheduler
  /** Real time for what runs beside the cores (facades' timeouts). */
  readonly clock: Clock
  private readonly hosted = new Map<string, Hosted>()
  private readonly listeners = new Map<string, CoreListener<unknown>>()
  private readonly encoder = new MessageEncoder()
  /** Which cores hold the connection to each peer. */
  private readonly holds = new Holds()
  /** Connections we dialled for `send` to a peer no core held: peer → when we last sent to it (at most one per connection). */
  private readonly unheld = new Map<NodeId, number>()
  /** Banned peers: id → until (scheduler time), oldest ban first. */
  private readonly banned = new FifoMap<NodeId, { until: number, core: string, reason: string }>()
  private readonly rng: Rng
  private readonly maxQueuedBytes: number
  private readonly dialTimeoutMs: number
  private readonly banMs: number
  private readonly maxBanned: number
  private started = false
  /** Makes the signature checks cores offload (DriverOptions.verifyPool); set before `host`. */
  verifyPool: VerifyPool | undefined
  /** After stop() no core hears anything more (a late frame or event would reach a stopped node). */
  private stopped = false

  constructor (readonly libp2p: DriverHost, private readonly opts: DriverOptions = {}) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024
    this.verifyPool = opts.verifyPool
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 10_000
    this.banMs = opts.banMs ?? 60_000
    this.maxBanned = opts.maxBanned ?? 10_000
    this.rng = new Rng(opts.seed ?? randomBytes(4).readUInt32BE(0))
    this.scheduler = new Scheduler(err => this.internal(err))
    this.clock = {
      now: () => this.now(),
      after: (ms, fn) => {
        const t = setTimeout(fn, ms)
        t.unref()
        return () => clearTimeout(t)
      }
    }
  }

  get self (): NodeId {
    return this.libp2p.peerId.toString()
  }

  now (): number {
    return this.scheduler.now()
  }

  /** An environment for the core named `name` (its own random stream, an Io routed here, events to `listener`). */
  env<M, T, E> (name: string, listener: CoreListener<E> = {}): Env<M, T, E> {
    this.listeners.set(name, listener as CoreListener<unknown>)
    return { id: this.self, name, rng: this.rng.fork(name), io: this.io<M, T, E>(name, listener) }
  }

  /** Registers the cores (made with `env(name)`) with libp2p and starts them. */
  async host (cores: readonly AnyCore[]): Promise<void> {
    if (this.started) throw new InternalError('ERR_STATE', 'the driver already hosts its cores')
    this.started = true
    for (const core of cores) {
      this.hosted.set(core.name, { core, up: new Set(), outbox: new Outbox(this.maxQueuedBytes, this.stats, err => this.internal(err)) })
    }
    for (const h of this.hosted.values()) {
      if (h.core.wire === null) continue
      await this.libp2p.handle([...h.core.wire.protocolIds], (stream, conn) => this.inbound(h, stream, conn), { maxInboundStreams: 8, maxOutboundStreams: 8, force: true })
    }
    this.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.libp2p.addEventListener('peer:disconnect', this.onPeerDisconnect)
    // Peers already connected (and identified) before we started.
    for (const conn of this.libp2p.getConnections()) void this.announceExisting(conn)
    for (const h of this.hosted.values()) this.call(h, c => c.start(this.now()))
  }

  async stop (): Promise<void> {
    this.stopped = true
    this.scheduler.stop()
    this.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.libp2p.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    for (const h of this.hosted.values()) {
      if (h.core.wire !== null) await this.libp2p.unhandle([...h.core.wire.protocolIds]).catch(() => {})
      h.outbox.closeAll('lostClosed')
    }
  }

  /** Whether `peer` is banned now (the connection gater asks this). */
  /** Told how long each core's timer took to handle (the metrics time the GossipSub heartbeat with it). */
  readonly timerObservers = new Set<(core: string, timer: unknown, seconds: number) => void>()

  /** Bytes in the send queues, by core (the metrics read it at scrape time). */
  queuedBytes (): Record<string, number> {
    return Object.fromEntries([...this.hosted].map(([name, h]) => [name, h.outbox.queuedBytes]))
  }

  isBanned (peer: NodeId): boolean {
    const until = this.banned.get(peer)?.until
    if (until === undefined) return false
    if (until > this.now()) return true
    this.banned.delete(peer)
    return false
  }

  /** The peers banned now: who, by which core, why, and for how many more milliseconds. */
  bans (): BanInfo[] {
    const now = this.now()
    const out: BanInfo[] = []
    for (const [peer, b] of this.banned.entries()) if (b.until > now) out.push({ peer, core: b.core, reason: b.reason, remainingMs: Math.round(b.until - now) })
    return out
  }

  /** Bytes the core `name` may still queue to `peer` (≤ 0: full). */
  room (name: string, peer: NodeId): number {
    return this.hosted.get(name)?.outbox.room(peer) ?? Infinity
  }

  /** The room of an empty queue. */
  capacity (): number {
    return this.maxQueuedBytes
  }

  /** Calls `fn` once the queue of core `name` to `peer` has room (or is gone). */
  onRoom (name: string, peer: NodeId, bytes: number, fn: () => void): () => void {
    const h = this.hosted.get(name)
    if (h === undefined) {
      queueMicrotask(fn)
      return () => {}
    }
    return h.outbox.onRoom(peer, bytes, fn)
  }

  /** Peers a core was told are up. */
  peersOf (name: string): NodeId[] {
    return [...(this.hosted.get(name)?.up ?? [])]
  }

  // ---- core outputs ----

  private io<M, T, E> (name: string, listener: CoreListener<E>): Env<M, T, E>['io'] {
    const local: LocalIo<T, E> = {
      setTimer: (at, timer) => this.scheduler.at(at, () => {
        const start = this.timerObservers.size > 0 ? performance.now() : 0
        this.callByName(name, c => c.onTimer(this.now(), timer))
        if (this.timerObservers.size > 0) {
          const seconds = (performance.now() - start) / 1000
          for (const o of this.timerObservers) o(name, timer, seconds)
        }
      }),
      connect: (peer) => this.connect(name, peer),
      disconnect: (peer) => {
        if (this.holds.remove(peer, name)) this.hangUp(peer, true)
      },
      hold: (peer) => { if (peer !== this.self) this.holds.add(peer, name) },
      release: (peer) => { this.holds.remove(peer, name) },
      report: (peer, sanction, reason) => this.sanction(name, { peer, sanction, reason }),
      emit: (event) => {
        try {
          listener.event?.(event)
        } catch (err) {
          this.internal(err)
        }
      }
    }
    return { ...local, send: (to, msg) => this.send(name, to, msg), room: (to) => this.room(name, to) }
  }

  /** Queues `msg` for `to`; false when the peer's queue is full (counted). */
  private send (name: string, to: NodeId, msg: unknown): boolean {
    const h = this.hosted.get(name)
    if (h === undefined || h.core.wire === null || to === this.self) return false
    // Refused before it is encoded: a full queue costs nothing more.
    if (h.outbox.room(to) <= 0) {
      this.stats.refusedQueueFull++
      this.stats.dropped++
      return false
    }
    if (this.unheld.has(to)) this.unheld.set(to, this.now())
    let bytes: Uint8Array
    try {
      bytes = this.encoder.encode(h.core.wire.codec, msg)
    } catch (err) {
      this.internal(err)
      return false
    }
    return h.outbox.enqueue(to, { header: frameHeader(bytes.length), body: bytes }, ch => { void this.openStream(h, to, ch) })
  }

  private async openStream (h: Hosted, peer: NodeId, ch: Channel): Promise<void> {
    ch.opening = true
    try {
      const dialled = this.openConnection(peer) === undefined
      const conn = await this.dial(peer)
      if (dialled && !this.holds.has(peer)) this.closeWhenIdle(peer)
      const stream = await conn.newStream([...h.core.wire!.protocolIds], { signal: AbortSignal.timeout(this.dialTimeoutMs) })
      ch.opening = false
      if (h.outbox.get(peer) !== ch) {
        // The peer went away meanwhile (its queue was counted lost): this stream is not needed.
        stream.abort(new Error('peer gone'))
        return
      }
      // The stream is ours: it carries nothing back (the peer writes on a stream it opens).
      h.outbox.attach(ch, stream)
    } catch {
      // Counted (by reason), not told: a core that needs the peer holds it and hears of a failed dial.
      ch.opening = false
      this.stats.dialFailures++
      h.outbox.lose(ch, 'lostDialFailed')
    }
  }

  /**
   * A connection dialled for a send that no core holds (a shuffle's answer, a message to a former
   * neighbour) would otherwise stay open until some core disconnects the peer: close it once no core holds
   * the peer and nothing was sent to it for UNHELD_IDLE_MS. Only connections this driver dialled for a
   * send; the peer's own connections are its to close.
   */
  private closeWhenIdle (peer: NodeId): void {
    if (this.unheld.has(peer)) return
    this.unheld.set(peer, this.now())
    const check = (): void => {
      const last = this.unheld.get(peer)
      if (last === undefined || this.stopped) return
      const idle = this.now() - last
      if (idle < UNHELD_IDLE_MS) {
        this.scheduler.at(last + UNHELD_IDLE_MS, check)
        return
      }
      this.unheld.delete(peer)
      if (this.holds.has(peer) || this.openConnection(peer) === undefined) return
      this.stats.idleClosed++
      this.hangUp(peer, true)
    }
    this.scheduler.at(this.now() + UNHELD_IDLE_MS, check)
  }

  /** A connection to `peer`: an open one, or a new one (which counts once identify has run on it). */
  private async dial (peer: NodeId): Promise<Connection> {
    if (this.isBanned(peer)) throw new PeerError('ERR_BANNED', `${peer} is banned`)
    const id = peerIdFromString(peer)
    const open = this.openConnection(peer)
    if (open !== undefined) return open
    const known = this.opts.addressesOf?.(peer) ?? []
    if (known.length > 0) {
      const addrs = []
      for (const b of known) {
        try {
          addrs.push(multiaddr(b))
        } catch {
          // not a multiaddr: skip it
        }
      }
      if (addrs.length > 0) await this.libp2p.peerStore.merge(id, { multiaddrs: addrs })
    }
    return await this.libp2p.dial(id, { signal: AbortSignal.timeout(this.dialTimeoutMs) })
  }

  private connect (name: string, peer: NodeId): void {
    const h = this.hosted.get(name)
    if (h === undefined || peer === this.self) return
    this.holds.add(peer, name)
    if (h.up.has(peer)) return
    const existing = this.openConnection(peer)
    if (existing !== undefined) {
      // Connected and identified already: tell this core now (a new connection is told after identify).
      void this.announceExisting(existing)
      return
    }
    this.dial(peer).catch(() => {
      this.stats.dialFailures++
      this.tellHolders(peer)
    })
  }

  private openConnection (peer: NodeId): Connection | undefined {
    let id
    try {
      id = peerIdFromString(peer)
    } catch {
      return undefined
    }
    return this.libp2p.getConnections(id).find(c => c.status === 'open')
  }

  /** A dial failed: the cores holding `peer` (and not told it is up) hear it is down; their holds end. */
  private tellHolders (peer: NodeId): void {
    const holders = this.holds.take(peer)
    if (holders === undefined) return
    for (const name of holders) {
      const h = this.hosted.get(name)
      if (h !== undefined && !h.up.has(peer)) this.call(h, c => c.onPeerDown(this.now(), peer))
    }
  }

  /**
   * Closes every connection to `peer`, after flushing what the cores wrote to it this turn. `graceful` (a
   * core let the peer go; not a sanction): first let its queues drain, for up to GRACE_MS, so frames
   * accepted for it are written rather than lost — unless a core holds the peer again meanwhile.
   */
  private hangUp (peer: NodeId, graceful = false): void {
    this.holds.take(peer)
    const waits: Array<Promise<void>> = []
    for (const h of this.hosted.values()) {
      const ch = h.outbox.get(peer)
      if (ch === undefined) continue
      h.outbox.flush(ch)
      if (graceful && ch.queuedBytes > 0) waits.push(new Promise(resolve => h.outbox.onRoom(peer, Infinity, resolve)))
    }
    if (waits.length > 0) {
      let timer: NodeJS.Timeout | undefined
      const grace = new Promise<void>(resolve => { timer = setTimeout(resolve, GRACE_MS) })
      void Promise.race([Promise.all(waits), grace]).then(() => {
        clearTimeout(timer)
        if (!this.holds.has(peer)) this.hangUp(peer)
      })
      return
    }
    let id
    try {
      id = peerIdFromString(peer)
    } catch {
      return
    }
    void this.libp2p.hangUp(id).catch(() => {})
  }

  private sanction (name: string, m: Misbehaviour): void {
    this.stats[SANCTION_STAT[m.sanction]]++
    if (m.sanction === 'ban') {
      this.banned.set(m.peer, { until: this.now() + this.banMs, core: name, reason: m.reason })
      if (this.banned.size > this.maxBanned) this.banned.shift()
    }
    if (m.sanction !== 'penalise') this.hangUp(m.peer)
    try {
      this.listeners.get(name)?.misbehaviour?.(m)
    } catch (err) {
      this.internal(err)
    }
  }

  // ---- libp2p inputs ----

  /** The peer answered identify on a connection: it is up for the local cores and the protocols it speaks. */
  private readonly onIdentify = (evt: CustomEvent<{ connection: Connection, protocols: string[], agentVersion?: string }>): void => {
    this.connectionUp(evt.detail.connection, evt.detail.protocols, evt.detail.agentVersion)
  }

  /** The peer's last connection closed: everyone told it was up, and every core still dialling it, hears it is down. */
  private readonly onPeerDisconnect = (evt: CustomEvent<{ toString: () => string }>): void => {
    const peer = evt.detail.toString()
    this.unheld.delete(peer)
    const holders = this.holds.take(peer)
    for (const h of this.hosted.values()) {
      h.outbox.close(peer, 'lostClosed')
      if (h.up.delete(peer) || holders?.includes(h.core.name) === true) this.call(h, c => c.onPeerDown(this.now(), peer))
    }
  }

  private connectionUp (conn: Connection, protocols: readonly string[], agent: string | undefined): void {
    if (conn.status !== 'open') return
    const peer = conn.remotePeer.toString()
    for (const h of this.hosted.values()) {
      if (h.core.wire === null) this.peerUp(h, peer, conn, undefined, agent)
      else {
        const protocol = h.core.wire.protocolIds.find(id => protocols.includes(id))
        if (protocol !== undefined) this.peerUp(h, peer, conn, protocol, agent)
      }
    }
  }

  /**
   * A connection that was open and identified before this driver (or this core) looked, or that a libp2p
   * topology reports: the peer store knows its protocols.
   */
  async announceExisting (conn: Connection): Promise<void> {
    try {
      const peer = await this.libp2p.peerStore.get(conn.remotePeer)
      const agent = peer.metadata.get('AgentVersion')
      this.connectionUp(conn, peer.protocols, agent !== undefined ? new TextDecoder().decode(agent) : undefined)
    } catch {
      // not identified yet: identify will tell
    }
  }

  private peerUp (h: Hosted, peer: NodeId, conn: Connection, protocol?: string, agent?: string): void {
    if (h.up.has(peer) || this.isBanned(peer)) return
    h.up.add(peer)
    this.call(h, c => c.onPeerUp(this.now(), peer, linkOf(conn, protocol, agent)))
  }

  private inbound (h: Hosted, stream: Stream, conn: Connection): void {
    const peer = conn.remotePeer.toString()
    if (this.isBanned(peer)) {
      stream.abort(new Error('banned'))
      return
    }
    const core = h.core
    if (core.wire === null) return // (only wire protocols have streams)
    const wire = core.wire
    // The peer opened a stream of this protocol: it speaks it, even if identify has not told us yet.
    this.peerUp(h, peer, conn, stream.protocol)
    const decoder = new FrameDecoder(wire.maxFrameBytes)
    const deliver = this.verifiedInOrder(h, peer, stream)
    let ended = false
    const malformed = (error: PeerError): void => {
      this.call(h, () => core.onMalformed(this.now(), peer, error))
    }
    const end = (): void => {
      if (ended) return
      ended = true
      if (decoder.buffered > 0) { // (inside an oversized frame nothing is buffered: it was counted already)
        this.stats.truncated++
        malformed(new PeerError('ERR_TRUNCATED', 'the stream ended inside a frame'))
      }
    }
    stream.addEventListener('close', end)
    // The peer is done writing: nothing more comes on this stream, so close our side too.
    stream.addEventListener('remoteCloseWrite', () => {
      end()
      stream.close().catch(() => {})
    })
    stream.addEventListener('message', (evt) => {
      for (const f of decoder.push(evt.data)) {
        if (f.kind === 'frame') {
          this.stats.framesIn++
          this.stats.bytesIn += f.bytes.length
          const msg = decodeFrame(wire, f.bytes)
          if (msg instanceof PeerError) {
            this.stats.malformed++
            malformed(msg)
            continue
          }
          deliver(msg)
        } else if (f.kind === 'oversize') {
          this.stats.oversize++
          malformed(oversize(f.length, wire.maxFrameBytes))
        } else {
          this.stats.resets++
          malformed(new PeerError('ERR_FRAMING', f.reason))
          stream.abort(new Error(f.reason))
        }
      }
    })
  }

  /**
   * How a stream's messages reach its core: at once, or — when the core offloads signature checks and a pool
   * is given — once their checks are settled, in the order they arrived (a message waits for those before
   * it). A saturated pool checks on the event loop (./verify-pool.ts), which slows reading as a
   * single-threaded router would; a stream with MAX_WAITING messages waiting is paused (the transport's flow
   * control holds the sender) until half of them are delivered.
   */
  private verifiedInOrder (h: Hosted, peer: NodeId, stream: Stream): (msg: unknown) => void {
    const core = h.core as WireProtocol<unknown, unknown>
    const pool = this.verifyPool
    const offload = core.wire.offload
    const now = (msg: unknown): void => this.call(h, () => core.onMessage(this.now(), peer, msg))
    if (pool === undefined || pool.size === 0 || offload === undefined) return now
    // A paused stream buffers what the sender had room to send: up to Yamux's largest window (16 MiB) granted
    // before the pause and once more around a resume — more than libp2p's default read buffer (4 MiB, past
    // which it resets the stream).
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_BUFFER)
    // The messages waiting, from `first` on: delivered ones are skipped by index and cut off in bulk, so a
    // drain costs what it delivers, not the length of the queue.
    let waiting: Array<{ msg: unknown, left: number }> = []
    let first = 0
    let full = false
    const resume = (): void => {
      try {
        stream.resume()
      } catch {
        // The stream closed meanwhile (libp2p may still say 'paused' then): nothing to resume.
      }
    }
    const drain = (): void => {
      for (let w = waiting[first]; w !== undefined && w.left === 0; w = waiting[first]) {
        first++
        now(w.msg)
      }
      if (first === waiting.length) {
        waiting = []
        first = 0
      } else if (first >= 1024 && first * 2 >= waiting.length) {
        waiting = waiting.slice(first)
        first = 0
      }
      if (full && waiting.length - first <= MAX_WAITING / 2) {
        full = false
        resume()
      }
    }
    return msg => {
      const checks = offload.checksOf(peer, msg)
      if (checks.length === 0 && waiting.length === first) return now(msg)
      const item = { msg, left: checks.length }
      waiting.push(item)
      for (const c of checks) {
        pool.verify(c, ok => {
          offload.settle(c, ok)
          if (--item.left === 0 && waiting[first] === item) drain()
        })
      }
      if (item.left === 0 && waiting[first] === item) drain()
      if (waiting.length - first >= MAX_WAITING && !full) {
        full = true
        this.stats.verifyPauses++
        stream.pause()
      }
    }
  }

  // ---- helpers ----

  private callByName (name: string, fn: (core: AnyCore) => void): void {
    const h = this.hosted.get(name)
    if (h !== undefined) this.call(h, fn)
  }

  /** Runs a core input; a throw is our bug, logged, never a crash. */
  private call (h: Hosted, fn: (core: AnyCore) => void): void {
    if (this.stopped) return
    try {
      fn(h.core)
    } catch (err) {
      this.internal(err)
    }
  }

  private internal (err: unknown): void {
    if (this.opts.onError !== undefined) this.opts.onError(err)
    else console.error('grapevine: internal error', err)
  }
}

/** What a connection tells the cores: who dialled, the peer's IP address, (wire protocols) the version, and its agent (when identify told it). */
function linkOf (conn: Connection, protocol: string | undefined, agent: string | undefined): PeerLink {
  const link: PeerLink = { outbound: conn.direction === 'outbound', ...addressOf(conn.remoteAddr) }
  if (protocol !== undefined) link.protocol = protocol
  if (agent !== undefined) link.agent = agent
  return link
}

function addressOf (ma: Multiaddr): { address?: string } {
  for (const c of ma.getComponents()) {
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined) return { address: c.value }
  }
  return {}
}
