/**
 * A deterministic discrete-event simulator that runs the real protocol cores (DESIGN.md §2).
 *
 * Virtual time in milliseconds; one event heap ordered by (time, sequence); one master seed from which
 * every node and the network draw independent streams, so one seed gives one result. Every message goes
 * through its protocol's codec (encode → bytes → size check → decode), so byte counts are true and codec
 * bugs show up here. The network model has per-link latency, random loss, partitions, crashes and
 * restarts; connections (`Io.connect`) come up and go down with notices to both ends.
 */
import { PeerError } from '../core/errors.js'
import type { AnyProtocol, Env, Io, NodeId } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import { EventHeap } from '../core/heap.js'
import { UniformLinkLatency, type LatencyModel } from './network.js'

export interface SimOptions {
  seed: number
  /** Default: each link fixed, uniform in 10–50 ms. */
  latency?: LatencyModel
  /** Probability that any one message is lost. */
  loss?: number
  /**
   * Encode and decode every message (default true). Off only for raw speed: messages are handed over as
   * objects, and bytes are counted with the codec's `size` where it has one (0 otherwise).
   */
  codec?: boolean
  /**
   * How a crash looks: 'reset' (a crashed process — connected peers are told after one link delay and new
   * connection attempts are refused after a round trip) or 'silent' (a host gone dark — nobody is told,
   * and connection attempts time out after `connectTimeoutMs`).
   */
  crashNotice?: 'reset' | 'silent'
  /** How long a connection attempt to an unreachable peer takes to fail. */
  connectTimeoutMs?: number
  /**
   * Each node's upload bandwidth in bytes per ms (undefined: unlimited). Messages leave a node one after
   * another, each taking size / bandwidth, so large messages queue behind each other as on a real link.
   */
  uploadBytesPerMs?: number
  /**
   * With a bandwidth limit: a message that would wait longer than this for the uplink is dropped and
   * counted (`Traffic.queueDrops`), as a real node's bounded send queue does. Default 5 s.
   */
  maxUplinkQueueMs?: number
  /**
   * Connections shared by a node's protocols, as on libp2p, where protocols tag the connections they need:
   * `Io.connect` from a protocol holds the link for that protocol, `Io.disconnect` releases the hold, and the
   * link closes only when no protocol at either end holds it. Off (default): any disconnect closes the link.
   */
  sharedLinks?: boolean
}

/** What a node's factory gets to build its protocols. */
export interface NodeContext {
  readonly id: NodeId
  readonly index: number
  /** Counts restarts that lost state; 0 for the first life. */
  readonly incarnation: number
  readonly now: number
  readonly sim: Simulator
  /** The node's own random stream. */
  readonly rng: Rng
  /** An environment for the protocol named `name`, with its own random stream and an Io routed here. */
  env<M, T, E>(name: string): Env<M, T, E>
}

export type NodeFactory = (ctx: NodeContext) => AnyProtocol[]

export class SimNode {
  alive = true
  /** Bumped by every crash and restart; timers and notices of an earlier epoch are dropped. */
  epoch = 0
  incarnation = 0
  /** Partition group: messages flow only within a group. */
  group = 0
  protocols = new Map<string, AnyProtocol>()
  /** Open connections (from `Io.connect`). */
  readonly links = new Set<NodeId>()
  /** With shared links: peer → the protocols here that hold the link (or the dial) to it. */
  readonly holds = new Map<NodeId, Set<string>>()
  /** With shared links: peers this node's protocols were told are up. */
  readonly told = new Set<NodeId>()
  /** With shared links: dials in flight (a second connect to the same peer joins the first). */
  readonly dialing = new Set<NodeId>()
  /** When the node's upload link is free again (with a bandwidth limit). */
  uplinkFreeAt = 0

  constructor (readonly id: NodeId, readonly index: number, readonly factory: NodeFactory) {}
}

export interface Traffic {
  sent: number
  bytes: number
  delivered: number
  lost: number
  partitioned: number
  toDead: number
  oversize: number
  malformed: number
  /** Dropped because the sender's uplink queue was full. */
  queueDrops: number
}

export type SimListener = (node: SimNode, protocol: string, event: unknown, now: number) => void
/** Sees every message a core sends (before loss), for per-message accounting in scenarios. */
export type SendListener = (from: SimNode, to: NodeId, protocol: string, msg: unknown, bytes: number) => void

const DELIVER = 0
const TIMER = 1
const ACTION = 2
const UP = 3
const DOWN = 4
const CONNECT = 5
/** UP at the end that dialled. */
const UP_OUT = 6

/** One scheduled event. A class with every field always set keeps the hot loop monomorphic. */
class Ev {
  seq = 0
  constructor (
    readonly time: number,
    readonly k: number,
    readonly node: SimNode,
    /** DELIVER and CONNECT: the other end. */
    readonly peer: SimNode | null,
    readonly epoch: number,
    /** DELIVER and TIMER: the protocol's name. */
    readonly proto: string,
    /** DELIVER: bytes (or the message when the codec is off); TIMER: the timer; UP/DOWN: the peer's id. */
    readonly payload: unknown,
    readonly fn: (() => void) | null
  ) {}
}

export class Simulator {
  now = 0
  readonly rng: Rng
  loss: number
  readonly latency: LatencyModel
  readonly useCodec: boolean
  readonly crashNotice: 'reset' | 'silent'
  readonly connectTimeoutMs: number
  readonly uploadBytesPerMs: number | undefined
  readonly maxUplinkQueueMs: number
  readonly sharedLinks: boolean
  /** Events processed so far. */
  events = 0
  readonly traffic = new Map<string, Traffic>()

  private readonly heap = new EventHeap<Ev>()
  private readonly encoded = new WeakMap<object, Uint8Array>()
  private seq = 0
  private readonly byId = new Map<NodeId, SimNode>()
  readonly nodes: SimNode[] = []
  private readonly netRng: Rng
  private readonly listeners: SimListener[] = []
  private readonly sendListeners: SendListener[] = []
  private stopped = false

  constructor (opts: SimOptions) {
    this.rng = new Rng(opts.seed)
    this.netRng = this.rng.fork('network')
    this.latency = opts.latency ?? new UniformLinkLatency(10, 50, 0, opts.seed)
    this.loss = opts.loss ?? 0
    this.useCodec = opts.codec ?? true
    this.crashNotice = opts.crashNotice ?? 'reset'
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000
    this.uploadBytesPerMs = opts.uploadBytesPerMs
    this.maxUplinkQueueMs = opts.maxUplinkQueueMs ?? 5000
    this.sharedLinks = opts.sharedLinks ?? false
  }

  // ---- building ----

  /** Adds a node and starts its protocols now. */
  addNode (id: NodeId, factory: NodeFactory): SimNode {
    if (this.byId.has(id)) throw new Error(`node ${id} already exists`)
    const node = new SimNode(id, this.nodes.length, factory)
    this.byId.set(id, node)
    this.nodes.push(node)
    this.build(node)
    return node
  }

  node (id: NodeId): SimNode | undefined {
    return this.byId.get(id)
  }

  /** The protocol `name` of node `id` (throws if absent: a scenario bug). */
  protocol<P extends AnyProtocol> (id: NodeId, name: string): P {
    const p = this.byId.get(id)?.protocols.get(name)
    if (p === undefined) throw new Error(`node ${id} has no protocol ${name}`)
    return p as P
  }

  onEvent (listener: SimListener): void {
    this.listeners.push(listener)
  }

  onSend (listener: SendListener): void {
    this.sendListeners.push(listener)
  }

  // ---- running ----

  /** Runs a scenario action at virtual time `at`. */
  at (at: number, fn: () => void): void {
    this.push(new Ev(Math.max(at, this.now), ACTION, this.nodes[0]!, null, 0, '', null, fn))
  }

  /** Processes events up to and including time `until` (or until `stop()`); returns the events processed. */
  run (until = Infinity): number {
    const start = this.events
    this.stopped = false
    while (!this.stopped) {
      const e = this.heap.peek()
      if (e === undefined || e.time > until) break
      this.heap.pop()
      this.now = e.time
      this.events++
      this.dispatch(e)
    }
    if (!this.stopped && until !== Infinity && this.now < until) this.now = until
    return this.events - start
  }

  /** Ends the current `run` after the event being processed. */
  stop (): void {
    this.stopped = true
  }

  get pending (): number {
    return this.heap.size
  }

  // ---- faults ----

  crash (id: NodeId): void {
    const node = this.mustGet(id)
    if (!node.alive) return
    node.alive = false
    node.epoch++
    for (const peerId of node.links) {
      const peer = this.byId.get(peerId)!
      peer.links.delete(id)
      peer.holds.delete(id)
      if (this.crashNotice === 'reset') this.notify(peer, node, DOWN, this.delay(node, peer))
    }
    node.links.clear()
    node.holds.clear()
    node.told.clear()
    node.dialing.clear()
  }

  /**
   * Brings a crashed node back. `keepState`: its protocols resume with the state they had (a node with a
   * data directory); otherwise the factory builds them anew with the next incarnation.
   */
  restart (id: NodeId, opts: { keepState: boolean }): void {
    const node = this.mustGet(id)
    if (node.alive) return
    node.alive = true
    node.epoch++
    if (opts.keepState) {
      for (const p of node.protocols.values()) p.start(this.now)
    } else {
      node.incarnation++
      this.build(node)
    }
  }

  /** Splits the network: messages and connections flow only within a group; unlisted nodes form one more. */
  partition (groups: NodeId[][]): void {
    for (const n of this.nodes) n.group = 0
    groups.forEach((g, i) => { for (const id of g) this.mustGet(id).group = i + 1 })
  }

  heal (): void {
    for (const n of this.nodes) n.group = 0
  }

  /** Delivers raw bytes to `to`'s protocol `proto` as if `from` had sent them (bad-input tests). */
  inject (from: NodeId, to: NodeId, proto: string, bytes: Uint8Array): void {
    const src = this.mustGet(from)
    const dst = this.mustGet(to)
    this.countSend(proto, bytes.length)
    this.push(new Ev(this.now + this.delay(src, dst), DELIVER, dst, src, 0, proto, bytes, null))
  }

  trafficOf (proto: string): Traffic {
    let t = this.traffic.get(proto)
    if (t === undefined) {
      t = { sent: 0, bytes: 0, delivered: 0, lost: 0, partitioned: 0, toDead: 0, oversize: 0, malformed: 0, queueDrops: 0 }
      this.traffic.set(proto, t)
    }
    return t
  }

  // ---- internals ----

  private build (node: SimNode): void {
    const nodeRng = this.rng.fork(`node:${node.id}#${node.incarnation}`)
    const ctx: NodeContext = {
      id: node.id,
      index: node.index,
      incarnation: node.incarnation,
      now: this.now,
      sim: this,
      rng: nodeRng,
      env: <M, T, E>(name: string): Env<M, T, E> => ({ id: node.id, rng: nodeRng.fork(name), io: this.io<M, T, E>(node, name) })
    }
    node.protocols = new Map()
    for (const p of node.factory(ctx)) node.protocols.set(p.name, p)
    for (const p of node.protocols.values()) p.start(this.now)
  }

  private io<M, T, E> (node: SimNode, name: string): Io<M, T, E> {
    return {
      send: (to, msg) => this.send(node, to, name, msg),
      setTimer: (at, timer) => {
        if (!node.alive) return
        this.push(new Ev(Math.max(at, this.now), TIMER, node, null, node.epoch, name, timer, null))
      },
      connect: (peer) => this.connect(node, peer, name),
      disconnect: (peer) => this.disconnect(node, peer, name),
      emit: (event) => {
        for (const l of this.listeners) l(node, name, event, this.now)
      }
    }
  }

  private send (from: SimNode, to: NodeId, proto: string, msg: unknown): void {
    if (!from.alive) return
    const dst = this.byId.get(to)
    let payload = msg
    let size = 0
    const codec = from.protocols.get(proto)!.codec
    if (this.useCodec) {
      // One message object sent to many peers (a mesh forward) is encoded once, as the network driver does.
      let bytes = typeof msg === 'object' && msg !== null ? this.encoded.get(msg) : undefined
      if (bytes === undefined) {
        bytes = codec.encode(msg)
        if (typeof msg === 'object' && msg !== null) this.encoded.set(msg, bytes)
      }
      payload = bytes
      size = bytes.length
    } else if (codec.size !== undefined) {
      size = codec.size(msg)
    }
    const t = this.countSend(proto, size)
    for (const l of this.sendListeners) l(from, to, proto, msg, size)
    if (dst === undefined) {
      t.toDead++
      return
    }
    let departs = this.now
    if (this.uploadBytesPerMs !== undefined) {
      if (from.uplinkFreeAt - this.now > this.maxUplinkQueueMs) {
        t.queueDrops++
        return
      }
      departs = Math.max(this.now, from.uplinkFreeAt) + size / this.uploadBytesPerMs
      from.uplinkFreeAt = departs
    }
    if (this.loss > 0 && this.netRng.float() < this.loss) {
      t.lost++
      return
    }
    this.push(new Ev(departs + this.delay(from, dst), DELIVER, dst, from, 0, proto, payload, null))
  }

  private connect (node: SimNode, peerId: NodeId, proto: string): void {
    if (!node.alive) return
    if (this.sharedLinks && peerId !== node.id) {
      let h = node.holds.get(peerId)
      if (h === undefined) node.holds.set(peerId, h = new Set())
      h.add(proto)
    }
    const peer = this.byId.get(peerId)
    if (peer === undefined || peer === node) {
      this.push(new Ev(this.now + this.connectTimeoutMs, DOWN, node, null, node.epoch, '', peerId, null))
      return
    }
    if (node.links.has(peerId)) return
    if (this.sharedLinks) {
      if (node.dialing.has(peerId)) return
      node.dialing.add(peerId)
    }
    this.push(new Ev(this.now + this.delay(node, peer), CONNECT, peer, node, node.epoch, '', null, null))
  }

  private disconnect (node: SimNode, peerId: NodeId, proto: string): void {
    if (this.sharedLinks) {
      const h = node.holds.get(peerId)
      h?.delete(proto)
      if (h !== undefined && h.size > 0) return
      node.holds.delete(peerId)
      if ((this.byId.get(peerId)?.holds.get(node.id)?.size ?? 0) > 0) return
    }
    if (!node.links.delete(peerId)) return
    const peer = this.byId.get(peerId)!
    peer.links.delete(node.id)
    peer.holds.delete(node.id)
    this.notify(peer, node, DOWN, this.delay(node, peer))
    // With shared links the closing end's other protocols lose the link too: tell them.
    if (this.sharedLinks) this.notify(node, peer, DOWN, 0)
  }

  private notify (node: SimNode, peer: SimNode, k: number, after: number): void {
    this.push(new Ev(this.now + after, k, node, null, node.epoch, '', peer.id, null))
  }

  private dispatch (e: Ev): void {
    switch (e.k) {
      case DELIVER: return this.deliver(e)
      case TIMER: {
        if (e.epoch !== e.node.epoch || !e.node.alive) return
        e.node.protocols.get(e.proto)?.onTimer(this.now, e.payload)
        return
      }
      case ACTION: return e.fn!()
      case UP:
      case UP_OUT:
      case DOWN: {
        const node = e.node
        if (e.epoch !== node.epoch || !node.alive) return
        const peer = e.payload as NodeId
        const up = e.k !== DOWN
        // A notice overtaken by events (the link came back, or went away again) is stale.
        if (up !== node.links.has(peer)) return
        if (!up) node.holds.delete(peer)
        if (this.sharedLinks) {
          // Protocols see every link as down-then-up: a new link whose predecessor's DOWN was overtaken
          // first reports that DOWN, so no protocol keeps state from the old link (a libp2p stream reset).
          if (up && node.told.has(peer)) for (const p of node.protocols.values()) p.onPeerDown(this.now, peer)
          if (up) node.told.add(peer)
          else node.told.delete(peer)
        }
        for (const p of node.protocols.values()) {
          if (up) p.onPeerUp(this.now, peer, e.k === UP_OUT)
          else p.onPeerDown(this.now, peer)
        }
        return
      }
      case CONNECT: {
        // The request reached the peer: both ends are up if it is alive and reachable.
        const initiator = e.peer!
        const target = e.node
        if (e.epoch !== initiator.epoch || !initiator.alive) return
        initiator.dialing.delete(target.id)
        // Both ends dialled each other at once: the first connection serves both.
        if (this.sharedLinks && initiator.links.has(target.id)) return
        const back = this.delay(target, initiator)
        if (!target.alive || target.group !== initiator.group) {
          // A crashed process's host refuses at once ('reset'); a silent host or a partition lets the dial time out.
          const refused = !target.alive && this.crashNotice === 'reset'
          const after = refused ? back : Math.max(back, this.connectTimeoutMs - back)
          this.push(new Ev(this.now + after, DOWN, initiator, null, initiator.epoch, '', target.id, null))
          return
        }
        initiator.links.add(target.id)
        target.links.add(initiator.id)
        this.notify(target, initiator, UP, 0)
        this.notify(initiator, target, UP_OUT, back)
      }
    }
  }

  private deliver (e: Ev): void {
    const to = e.node
    const from = e.peer!
    const name = e.proto
    const t = this.trafficOf(name)
    if (!to.alive) {
      t.toDead++
      return
    }
    if (to.group !== from.group) {
      t.partitioned++
      return
    }
    const p = to.protocols.get(name)
    if (p === undefined) {
      t.malformed++
      return
    }
    let msg = e.payload
    if (msg instanceof Uint8Array) {
      if (msg.length > p.maxFrameBytes) {
        t.oversize++
        p.onMalformed(this.now, from.id, new PeerError('ERR_FRAME_TOO_LARGE', `frame of ${msg.length} bytes exceeds ${p.maxFrameBytes}`))
        return
      }
      try {
        msg = p.codec.decode(msg)
      } catch (err) {
        t.malformed++
        const pe = err instanceof PeerError ? err : new PeerError('ERR_DECODE', String(err), { cause: err })
        p.onMalformed(this.now, from.id, pe)
        return
      }
    }
    t.delivered++
    p.onMessage(this.now, from.id, msg)
  }

  private countSend (proto: string, size: number): Traffic {
    const t = this.trafficOf(proto)
    t.sent++
    t.bytes += size
    return t
  }

  private delay (a: SimNode, b: SimNode): number {
    return this.latency.delay(a.index, b.index, this.netRng.float())
  }

  private push (e: Ev): void {
    e.seq = this.seq++
    this.heap.push(e)
  }

  private mustGet (id: NodeId): SimNode {
    const n = this.byId.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }
}
