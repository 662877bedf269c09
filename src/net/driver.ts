/**
 * The network driver (DESIGN.md §4): runs sans-IO protocol cores on a js-libp2p host with real time.
 *
 * Per core: a protocol id (`/grapevine/<name>/1.0.0`; GossipSub answers to `/meshsub/1.2.0`, `/1.1.0`,
 * `/1.0.0` like go-libp2p-pubsub and @libp2p/gossipsub); one long-lived outbound stream per peer that we
 * write length-prefixed frames to, and the peer's inbound streams we read frames from. A core hears
 * `onPeerUp` when a connected peer is known to speak its protocol (libp2p's topology, after identify, or
 * the peer's first inbound stream) and `onPeerDown` when the peer's last connection closes or a dial for
 * it fails.
 *
 * Connections are shared by the cores, as in the simulator's shared-link mode: `Io.connect` holds the
 * peer's connection for that core; `Io.disconnect` releases it, and the connection is closed only when no
 * core holds it and no core says it still uses it (`keepsConnection`, e.g. a GossipSub mesh peer).
 *
 * Bad input never reaches a core as an exception: oversized frames are skipped and counted, bytes that do
 * not decode become `onMalformed`, a broken length prefix resets the stream. A core's `misbehaviour`
 * event closes the connection and bans the peer for `banMs`. Every per-peer queue is bounded.
 */
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InternalError, PeerError } from '../core/errors.js'
import type { AnyProtocol, Io, NodeId } from '../core/protocol.js'
import { FrameDecoder, frameHeader } from './frames.js'
import { Scheduler } from './scheduler.js'

export const MESHSUB_PROTOCOLS = ['/meshsub/1.2.0', '/meshsub/1.1.0', '/meshsub/1.0.0']

export function protocolIdsOf (name: string): string[] {
  return name === 'meshsub' ? MESHSUB_PROTOCOLS : [`/grapevine/${name}/1.0.0`]
}

/** What a core may add for the driver: whether it still uses a connection nobody holds. */
export interface ConnectionUser {
  keepsConnection? (peer: NodeId): boolean
}

export interface DriverOptions {
  /** Every event every core emits. */
  onEvent?: (core: string, event: unknown) => void
  /** Dialable addresses (multiaddr bytes) the cores know for a peer, tried before the peer store's. */
  addressesOf?: (peer: NodeId) => readonly Uint8Array[]
  /** Bytes queued per peer and core (waiting for a stream, or in the stream's write buffer) before frames are dropped. */
  maxQueuedBytes?: number
  dialTimeoutMs?: number
  /** How long a peer that misbehaved is refused. */
  banMs?: number
  /** Cores that send no messages (no protocol id, no streams). */
  local?: (name: string) => boolean
  /** Where internal errors go (a bug in a core); default stderr. */
  onError?: (err: unknown) => void
}

export interface DriverStats {
  framesIn: number
  framesOut: number
  /** Writes to streams (each carries the frames of one event-loop turn). */
  batchesOut: number
  bytesIn: number
  bytesOut: number
  /** Frames that did not decode. */
  malformed: number
  /** Frames over the core's limit, skipped. */
  oversize: number
  /** Streams reset for a broken length prefix. */
  resets: number
  /** Streams that ended in the middle of a frame. */
  truncated: number
  /** Frames dropped because a peer's queue was full or its stream could not be opened. */
  dropped: number
  dialFailures: number
  /** Connections closed because a core reported misbehaviour. */
  bans: number
}

/** A length prefix and the encoded message, kept apart so the message is never copied. */
interface Frame { header: Uint8Array, body: Uint8Array }

const frameLength = (f: Frame): number => f.header.length + f.body.length

interface Channel {
  out: Stream | null
  opening: boolean
  queue: Frame[]
  queued: number
  /** Frames written this turn of the event loop, sent together (one encryption, one syscall). */
  batch: Uint8ArrayList | null
}

/** A batch is sent at the end of the event-loop turn, or at once when it reaches this size. */
const BATCH_BYTES = 256 * 1024

interface Hosted {
  core: AnyProtocol & ConnectionUser
  ids: string[]
  local: boolean
  /** Peers this core was told are up. */
  up: Set<NodeId>
  /** Peers whose connection this core holds (`Io.connect`). */
  holds: Set<NodeId>
  channels: Map<NodeId, Channel>
  topologies: string[]
}

export class NetDriver {
  readonly stats: DriverStats = { framesIn: 0, framesOut: 0, batchesOut: 0, bytesIn: 0, bytesOut: 0, malformed: 0, oversize: 0, resets: 0, truncated: 0, dropped: 0, dialFailures: 0, bans: 0 }
  readonly scheduler: Scheduler
  private readonly hosted = new Map<string, Hosted>()
  /** Encodings of message objects, kept while the object lives (a core reusing one object for many sends). */
  private readonly encoded = new WeakMap<object, Uint8Array>()
  /** Banned peers: id → until (scheduler time). Bounded. */
  private readonly banned = new Map<NodeId, number>()
  private readonly maxQueuedBytes: number
  private readonly dialTimeoutMs: number
  private readonly banMs: number
  private started = false

  constructor (readonly libp2p: Libp2p, private readonly opts: DriverOptions = {}) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? 8 * 1024 * 1024
    this.dialTimeoutMs = opts.dialTimeoutMs ?? 10_000
    this.banMs = opts.banMs ?? 60_000
    this.scheduler = new Scheduler(err => this.internal(err))
  }

  get self (): NodeId {
    return this.libp2p.peerId.toString()
  }

  now (): number {
    return this.scheduler.now()
  }

  /** An Io for the core named `name`: hand it to the core's Env before `host`. */
  io<M, T, E> (name: string): Io<M, T, E> {
    return {
      send: (to, msg) => this.send(name, to, msg),
      setTimer: (at, timer) => this.scheduler.at(at, () => this.call(name, c => c.onTimer(this.now(), timer))),
      connect: (peer) => this.connect(name, peer),
      disconnect: (peer) => this.disconnect(name, peer),
      emit: (event) => this.emit(name, event)
    }
  }

  /** Registers the cores (made with `io(name)`) with libp2p and starts them. */
  async host (cores: AnyProtocol[]): Promise<void> {
    if (this.started) throw new InternalError('ERR_STATE', 'the driver already hosts its cores')
    this.started = true
    for (const core of cores) {
      const local = this.opts.local?.(core.name) ?? false
      this.hosted.set(core.name, { core, ids: local ? [] : protocolIdsOf(core.name), local, up: new Set(), holds: new Set(), channels: new Map(), topologies: [] })
    }
    for (const h of this.hosted.values()) {
      if (h.local) continue
      await this.libp2p.handle(h.ids, (stream, conn) => this.inbound(h, stream, conn), { maxInboundStreams: 8, maxOutboundStreams: 8, force: true })
      for (const id of h.ids) {
        h.topologies.push(await this.libp2p.register(id, {
          onConnect: (peerId, conn) => this.peerUp(h, peerId.toString(), conn.direction === 'outbound'),
          onDisconnect: (peerId) => this.peerDown(h, peerId.toString())
        }))
      }
    }
    // Peers already connected and identified before we registered.
    for (const conn of this.libp2p.getConnections()) void this.announceExisting(conn)
    for (const h of this.hosted.values()) this.call(h.core.name, c => c.start(this.now()))
  }

  async stop (): Promise<void> {
    this.scheduler.stop()
    for (const h of this.hosted.values()) {
      for (const t of h.topologies) this.libp2p.unregister(t)
      if (!h.local) await this.libp2p.unhandle(h.ids).catch(() => {})
      for (const ch of h.channels.values()) ch.out?.abort(new Error('driver stopped'))
      h.channels.clear()
    }
  }

  /** Whether `peer` is banned now (the connection gater asks this). */
  isBanned (peer: NodeId): boolean {
    const until = this.banned.get(peer)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.banned.delete(peer)
    return false
  }

  /** Peers a core was told are up. */
  peersOf (name: string): NodeId[] {
    return [...(this.hosted.get(name)?.up ?? [])]
  }

  // ---- core outputs ----

  private send (name: string, to: NodeId, msg: unknown): void {
    const h = this.hosted.get(name)
    if (h === undefined || h.local || to === this.self) return
    // A core that sends one message object to many peers (a forward to the mesh) has it encoded once.
    let bytes = typeof msg === 'object' && msg !== null ? this.encoded.get(msg) : undefined
    if (bytes === undefined) {
      try {
        bytes = h.core.codec.encode(msg)
      } catch (err) {
        this.internal(err)
        return
      }
      if (typeof msg === 'object' && msg !== null) this.encoded.set(msg, bytes)
    }
    const frame: Frame = { header: frameHeader(bytes.length), body: bytes }
    let ch = h.channels.get(to)
    if (ch === undefined) h.channels.set(to, ch = { out: null, opening: false, queue: [], queued: 0, batch: null })
    if (ch.out !== null && ch.out.status === 'open') {
      this.write(ch, frame)
      return
    }
    if (ch.queued + frameLength(frame) > this.maxQueuedBytes) {
      this.stats.dropped++
      return
    }
    ch.queue.push(frame)
    ch.queued += frameLength(frame)
    if (!ch.opening) void this.openStream(h, to, ch)
  }

  private write (ch: Channel, frame: Frame): void {
    const stream = ch.out!
    if (stream.writeBufferLength + (ch.batch?.byteLength ?? 0) > this.maxQueuedBytes) {
      this.stats.dropped++
      return
    }
    this.stats.framesOut++
    this.stats.bytesOut += frameLength(frame)
    if (ch.batch === null) {
      ch.batch = new Uint8ArrayList()
      setImmediate(() => this.flush(ch))
    }
    ch.batch.append(frame.header, frame.body)
    if (ch.batch.byteLength >= BATCH_BYTES) this.flush(ch)
  }

  private flush (ch: Channel): void {
    const batch = ch.batch
    ch.batch = null
    if (batch === null || batch.byteLength === 0) return
    if (ch.out === null || ch.out.status !== 'open') {
      this.stats.dropped++
      return
    }
    this.stats.batchesOut++
    // One contiguous buffer: the muxer and the encryption then work per batch, not per frame.
    try {
      ch.out.send(batch.subarray())
    } catch {
      // The stream closed under us (the peer reset it): drop this batch, open a new stream next time.
      this.stats.dropped++
      ch.out.abort(new Error('write failed'))
      ch.out = null
    }
  }

  private async openStream (h: Hosted, peer: NodeId, ch: Channel): Promise<void> {
    ch.opening = true
    try {
      const conn = await this.dial(peer)
      const stream = await conn.newStream(h.ids, { signal: AbortSignal.timeout(this.dialTimeoutMs) })
      ch.out = stream
      stream.addEventListener('close', () => {
        if (ch.out === stream) ch.out = null
      })
      // The stream is ours: it carries nothing back (the peer writes on a stream it opens).
      for (const f of ch.queue) this.write(ch, f)
    } catch {
      this.stats.dropped += ch.queue.length
      this.stats.dialFailures++
      // Like a refused connection in the simulator: the core hears the peer is down.
      if (!h.up.has(peer)) this.call(h.core.name, c => c.onPeerDown(this.now(), peer))
    } finally {
      ch.queue = []
      ch.queued = 0
      ch.opening = false
    }
  }

  private async dial (peer: NodeId): Promise<Connection> {
    if (this.isBanned(peer)) throw new PeerError('ERR_BANNED', `${peer} is banned`)
    const id = peerIdFromString(peer)
    const open = this.libp2p.getConnections(id).find(c => c.status === 'open')
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
    h.holds.add(peer)
    if (h.up.has(peer)) return
    this.dial(peer).then(conn => {
      // Connected; the topology tells the core once identify shows the peer speaks its protocol. If it
      // already ran for an existing connection, tell the core now.
      void this.announceExisting(conn)
    }, () => {
      this.stats.dialFailures++
      h.holds.delete(peer)
      if (!h.up.has(peer)) this.call(name, c => c.onPeerDown(this.now(), peer))
    })
  }

  private disconnect (name: string, peer: NodeId): void {
    const h = this.hosted.get(name)
    if (h === undefined) return
    h.holds.delete(peer)
    for (const o of this.hosted.values()) {
      if (o.holds.has(peer)) return
      if (o.core.keepsConnection?.(peer) === true) return
    }
    void this.libp2p.hangUp(peerIdFromString(peer)).catch(() => {})
  }

  private emit (name: string, event: unknown): void {
    const e = event as { type?: string, peer?: NodeId }
    if (e?.type === 'misbehaviour' && typeof e.peer === 'string') this.ban(e.peer)
    try {
      this.opts.onEvent?.(name, event)
    } catch (err) {
      this.internal(err)
    }
  }

  private ban (peer: NodeId): void {
    this.stats.bans++
    this.banned.set(peer, this.now() + this.banMs)
    if (this.banned.size > 10_000) this.banned.delete(this.banned.keys().next().value!)
    void this.libp2p.hangUp(peerIdFromString(peer)).catch(() => {})
  }

  // ---- libp2p inputs ----

  private async announceExisting (conn: Connection): Promise<void> {
    try {
      const peer = await this.libp2p.peerStore.get(conn.remotePeer)
      for (const h of this.hosted.values()) {
        if (h.ids.some(id => peer.protocols.includes(id))) this.peerUp(h, conn.remotePeer.toString(), conn.direction === 'outbound')
      }
    } catch {
      // not identified yet: the topology will tell
    }
  }

  private peerUp (h: Hosted, peer: NodeId, outbound: boolean): void {
    if (h.up.has(peer) || this.isBanned(peer)) return
    h.up.add(peer)
    this.call(h.core.name, c => c.onPeerUp(this.now(), peer, outbound))
  }

  private peerDown (h: Hosted, peer: NodeId): void {
    h.holds.delete(peer)
    const ch = h.channels.get(peer)
    if (ch !== undefined) {
      ch.out?.abort(new Error('peer disconnected'))
      h.channels.delete(peer)
    }
    if (!h.up.delete(peer)) return
    this.call(h.core.name, c => c.onPeerDown(this.now(), peer))
  }

  private inbound (h: Hosted, stream: Stream, conn: Connection): void {
    const peer = conn.remotePeer.toString()
    if (this.isBanned(peer)) {
      stream.abort(new Error('banned'))
      return
    }
    // The peer opened a stream of this protocol: it speaks it, even if identify has not told us yet.
    this.peerUp(h, peer, conn.direction === 'outbound')
    const decoder = new FrameDecoder(h.core.maxFrameBytes)
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      if (decoder.buffered > 0) { // (inside an oversized frame nothing is buffered: it was counted already)
        this.stats.truncated++
        this.call(h.core.name, c => c.onMalformed(this.now(), peer, new PeerError('ERR_TRUNCATED', 'the stream ended inside a frame')))
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
          let msg: unknown
          try {
            msg = h.core.codec.decode(f.bytes)
          } catch (err) {
            this.stats.malformed++
            const pe = err instanceof PeerError ? err : new PeerError('ERR_DECODE', String(err), { cause: err })
            this.call(h.core.name, c => c.onMalformed(this.now(), peer, pe))
            continue
          }
          this.call(h.core.name, c => c.onMessage(this.now(), peer, msg))
        } else if (f.kind === 'oversize') {
          this.stats.oversize++
          this.call(h.core.name, c => c.onMalformed(this.now(), peer, new PeerError('ERR_FRAME_TOO_LARGE', `frame of ${f.length} bytes exceeds ${h.core.maxFrameBytes}`)))
        } else {
          this.stats.resets++
          this.call(h.core.name, c => c.onMalformed(this.now(), peer, new PeerError('ERR_FRAMING', f.reason)))
          stream.abort(new Error(f.reason))
        }
      }
    })
  }

  // ---- helpers ----

  /** Runs a core input; a throw is our bug, logged, never a crash. */
  private call (name: string, fn: (core: AnyProtocol) => void): void {
    const h = this.hosted.get(name)
    if (h === undefined) return
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
