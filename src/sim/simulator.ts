/**
 * A deterministic discrete-event simulator that runs the real protocol cores (ARCHITECTURE.md, "The
 * simulator").
 *
 * Virtual time in milliseconds; one event heap ordered by (time, sequence); one master seed from which
 * every node and the network draw independent streams, so one seed gives one result. Every message goes
 * through its protocol's codec (encode → bytes → size check → decode), so byte counts are true and codec
 * bugs show up here. The network model has per-link latency, random loss, partitions, crashes and
 * restarts, and an upload bandwidth per node.
 *
 * Links follow the contract of src/core/protocol.ts exactly as the network driver does: the cores of a node
 * share its links; `connect` holds a link (dialling one), `hold` / `release` hold without dialling or
 * closing, `disconnect` closes the link when no core of this node holds it any more (the other end has no
 * say, as with libp2p's hang-up), and both ends' cores are told. A failed dial is told to the cores that
 * held it. Sanctions: `disconnect` closes at once; `ban` also refuses the peer's dials and messages for
 * `banMs`. A link made again is reported down-then-up, so no core keeps state of the old one. A wire
 * protocol's `onPeerUp` names the version its stream negotiates: the first of its protocol ids that the
 * peer's core of the same name lists.
 */
import { InternalError, PeerError } from '../core/errors.js'
import { EventHeap } from '../core/heap.js'
import { Holds } from '../core/holds.js'
import type { AnyCore, Clock, CoreListener, Env, Io, Misbehaviour, NodeId, PeerLink, Sanction, SendQueues } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import { SmallSet } from '../core/smallset.js'
import { MessageEncoder, decodeFrame } from '../core/wire.js'
import { UniformLinkLatency, type LatencyModel } from './network.js'
import type { SimOptions, Traffic } from './options.js'

export type { SimOptions, Traffic } from './options.js'

/** What a node's factory gets to build its cores. */
export interface NodeContext {
  readonly id: NodeId
  readonly index: number
  /** Counts restarts that lost state; 0 for the first life. */
  readonly incarnation: number
  readonly now: number
  readonly sim: Simulator
  /** The node's own random stream. */
  readonly rng: Rng
  /** An environment for the core named `name`: its own random stream, an Io routed here, events to `listener`. */
  env<M, T, E>(name: string, listener?: CoreListener<E>): Env<M, T, E>
  /** Virtual time for what runs beside the cores (facades' timeouts). */
  readonly clock: Clock
  /** The node's send queue (its uplink), as the pub/sub facade sees it. */
  readonly queues: SendQueues
}

export type NodeFactory = (ctx: NodeContext) => AnyCore[]

export class SimNode {
  alive = true
  /** Bumped by every crash and restart; timers and notices of an earlier epoch are dropped. */
  epoch = 0
  incarnation = 0
  /** Partition group: messages flow only within a group. */
  group = 0
  cores = new Map<string, AnyCore>()
  /** Open links. */
  readonly links = new SmallSet<NodeId>()
  /** Which cores here hold the link (or the dial) to each peer. */
  readonly holds = new Holds()
  /** Peers this node's cores were told are up. */
  readonly told = new SmallSet<NodeId>()
  /** Dials in flight (a second connect to the same peer joins the first); made when first needed. */
  dialing: SmallSet<NodeId> | null = null
  /** Banned peers: id → until when; made at the first ban. */
  banned: Map<NodeId, number> | null = null
  /** The cores in order (for the loops over a node's cores, cheaper than the map's iterator). */
  coreList: AnyCore[] = []
  /** When the node's upload link is free again (with a bandwidth limit). */
  uplinkFreeAt = 0

  constructor (readonly id: NodeId, readonly index: number, readonly factory: NodeFactory, readonly address: string) {}
}

/** Sees every message a core sends (before loss), for per-message accounting in scenarios. */
export type SendListener = (from: SimNode, to: NodeId, core: string, msg: unknown, bytes: number) => void

/** Misbehaviour reports applied, by sanction. */
export type SanctionCounts = Record<Sanction, number>

const DELIVER = 0
const TIMER = 1
const ACTION = 2
const UP = 3
const DOWN = 4
const CONNECT = 5
/** UP at the end that dialled. */
const UP_OUT = 6
/** A dial failed: told to the cores that held it. */
const DIAL_FAILED = 7

/**
 * One scheduled event. A class with every field always set keeps the hot loop monomorphic; processed
 * events go back to a free list and are reused, so the simulator allocates no object per event.
 */
class Ev {
  seq = 0
  constructor (
    public time: number,
    public k: number,
    public node: SimNode,
    /** DELIVER and CONNECT: the other end. */
    public peer: SimNode | null,
    public epoch: number,
    /** DELIVER and TIMER: the core's name. */
    public core: string,
    /** DELIVER: bytes (or the message when the codec is off); TIMER: the timer; UP/DOWN/DIAL_FAILED: the peer's id. */
    public payload: unknown,
    public fn: (() => void) | null
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
  readonly banMs: number
  /** Events processed so far. */
  events = 0
  readonly traffic = new Map<string, Traffic>()
  readonly sanctions: SanctionCounts = { penalise: 0, disconnect: 0, ban: 0 }

  private readonly heap = new EventHeap<Ev>()
  /** Processed events, for reuse. */
  private readonly free: Ev[] = []
  private readonly encoder = new MessageEncoder()
  private seq = 0
  private readonly byId = new Map<NodeId, SimNode>()
  readonly nodes: SimNode[] = []
  private readonly netRng: Rng
  private readonly addressOf: (index: number) => string
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
    this.banMs = opts.banMs ?? 60_000
    this.addressOf = opts.addressOf ?? (i => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`)
  }

  // ---- building ----

  /** Adds a node and starts its cores now. */
  addNode (id: NodeId, factory: NodeFactory): SimNode {
    if (this.byId.has(id)) throw new Error(`node ${id} already exists`)
    id = intern(id)
    const index = this.nodes.length
    const node = new SimNode(id, index, factory, this.addressOf(index))
    this.byId.set(id, node)
    this.nodes.push(node)
    this.build(node)
    return node
  }

  node (id: NodeId): SimNode | undefined {
    return this.byId.get(id)
  }

  /** The core `name` of node `id` (throws if absent: a scenario bug). */
  core<C extends AnyCore> (id: NodeId, name: string): C {
    const c = this.byId.get(id)?.cores.get(name)
    if (c === undefined) throw new Error(`node ${id} has no core ${name}`)
    return c as C
  }

  onSend (listener: SendListener): void {
    this.sendListeners.push(listener)
  }

  // ---- running ----

  /** Runs a scenario action at virtual time `at`. */
  at (at: number, fn: () => void): void {
    this.push(Math.max(at, this.now), ACTION, this.nodes[0]!, null, 0, '', null, fn)
  }

  /** Processes events up to and including time `until` (or until `stop()`); returns the events processed. */
  run (until = Infinity): number {
    const start = this.events
    this.stopped = false
    const heap = this.heap
    while (!this.stopped) {
      if (heap.size === 0 || heap.peekTime() > until) break
      const e = heap.pop()!
      this.now = e.time
      this.events++
      this.dispatch(e)
      e.peer = null
      e.payload = null
      e.fn = null
      this.free.push(e)
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

  // ---- topology and faults ----

  /** Opens a link between `a` and `b` at once, both ends told now (`a` dialled): a scenario's fixed topology. */
  link (a: NodeId, b: NodeId): void {
    const x = this.mustGet(a)
    const y = this.mustGet(b)
    if (x === y || x.links.has(b) || !x.alive || !y.alive) return
    x.links.add(b)
    y.links.add(a)
    this.notify(x, y, UP_OUT, 0)
    this.notify(y, x, UP, 0)
  }

  crash (id: NodeId): void {
    const node = this.mustGet(id)
    if (!node.alive) return
    node.alive = false
    node.epoch++
    for (const peerId of node.links) {
      const peer = this.byId.get(peerId)!
      peer.links.delete(id)
      peer.holds.take(id)
      if (this.crashNotice === 'reset') this.notify(peer, node, DOWN, this.delay(node, peer))
    }
    node.links.clear()
    node.holds.clear()
    node.told.clear()
    node.dialing?.clear()
  }

  /**
   * Brings a crashed node back. `keepState`: its cores resume with the state they had (a node with a data
   * directory); otherwise the factory builds them anew with the next incarnation.
   */
  restart (id: NodeId, opts: { keepState: boolean }): void {
    const node = this.mustGet(id)
    if (node.alive) return
    node.alive = true
    node.epoch++
    if (opts.keepState) {
      for (const c of node.coreList) c.start(this.now)
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

  /** Delivers raw bytes to `to`'s core `core` as if `from` had sent them (bad-input tests). */
  inject (from: NodeId, to: NodeId, core: string, bytes: Uint8Array): void {
    const src = this.mustGet(from)
    const dst = this.mustGet(to)
    this.countSend(core, bytes.length)
    this.push(this.now + this.delay(src, dst), DELIVER, dst, src, 0, core, bytes, null)
  }

  trafficOf (core: string): Traffic {
    let t = this.traffic.get(core)
    if (t === undefined) {
      t = { sent: 0, bytes: 0, delivered: 0, lost: 0, partitioned: 0, toDead: 0, oversize: 0, malformed: 0, queueDrops: 0, banned: 0 }
      this.traffic.set(core, t)
    }
    return t
  }

  // ---- internals ----

  private build (node: SimNode): void {
    const nodeRng = this.rng.fork(`node:${node.id}#${node.incarnation}`)
    const clock: Clock = {
      now: () => this.now,
      after: (ms, fn) => {
        let live = true
        this.at(this.now + ms, () => { if (live) fn() })
        return () => { live = false }
      }
    }
    const ctx: NodeContext = {
      id: node.id,
      index: node.index,
      incarnation: node.incarnation,
      now: this.now,
      sim: this,
      rng: nodeRng,
      clock,
      queues: {
        room: () => this.room(node),
        capacity: () => this.uploadBytesPerMs === undefined ? Infinity : this.maxUplinkQueueMs * this.uploadBytesPerMs,
        onRoom: (_core, _peer, bytes, fn) => clock.after(Math.max(0, node.uplinkFreeAt - this.now - this.maxUplinkQueueMs + bytes / (this.uploadBytesPerMs ?? Infinity)), fn)
      },
      env: <M, T, E>(name: string, listener: CoreListener<E> = NO_LISTENER): Env<M, T, E> => ({ id: node.id, name, rng: nodeRng.fork(name), io: new SimIo<M, T, E>(this, node, name, listener) })
    }
    node.cores = new Map()
    for (const c of node.factory(ctx)) node.cores.set(c.name, c)
    node.coreList = [...node.cores.values()]
    for (const c of node.coreList) c.start(this.now)
  }

  /** `io.setTimer` of `node`'s core `name`. */
  setTimer (node: SimNode, name: string, at: number, timer: unknown): void {
    if (!node.alive) return
    this.push(Math.max(at, this.now), TIMER, node, null, node.epoch, name, timer, null)
  }

  /**
   * Bytes `node` may still send before its uplink queue refuses (with a bandwidth limit; else Infinity). A
   * send is accepted while the backlog is at most `maxUplinkQueueMs`, so a message fits while this is > 0.
   */
  room (node: SimNode): number {
    if (this.uploadBytesPerMs === undefined) return Infinity
    const spare = this.maxUplinkQueueMs - Math.max(0, node.uplinkFreeAt - this.now)
    return spare < 0 ? spare * this.uploadBytesPerMs : Math.max(1, spare * this.uploadBytesPerMs)
  }

  /** False when the sender's uplink queue is full (counted `queueDrops`), as the network driver refuses. */
  send (from: SimNode, to: NodeId, name: string, msg: unknown): boolean {
    if (!from.alive) return false
    const dst = this.byId.get(to)
    const wire = from.cores.get(name)?.wire
    if (wire == null) throw new InternalError('ERR_LOCAL_SEND', `core ${name} has no wire protocol and cannot send`)
    let payload = msg
    let size = 0
    if (this.useCodec) {
      payload = this.encoder.encode(wire.codec, msg)
      size = (payload as Uint8Array).length
    } else if (wire.codec.size !== undefined) {
      size = wire.codec.size(msg)
    }
    const t = this.countSend(name, size)
    for (const l of this.sendListeners) l(from, to, name, msg, size)
    if (dst === undefined) {
      t.toDead++
      return true
    }
    let departs = this.now
    if (this.uploadBytesPerMs !== undefined) {
      if (from.uplinkFreeAt - this.now > this.maxUplinkQueueMs) {
        t.queueDrops++
        return false
      }
      departs = Math.max(this.now, from.uplinkFreeAt) + size / this.uploadBytesPerMs
      from.uplinkFreeAt = departs
    }
    if (this.loss > 0 && this.netRng.float() < this.loss) {
      t.lost++
      return true
    }
    this.push(departs + this.delay(from, dst), DELIVER, dst, from, 0, name, payload, null)
    return true
  }

  connect (node: SimNode, peerId: NodeId, name: string): void {
    if (!node.alive || peerId === node.id) return
    node.holds.add(peerId, name)
    const peer = this.byId.get(peerId)
    if (peer === undefined) {
      this.push(this.now + this.connectTimeoutMs, DIAL_FAILED, node, null, node.epoch, '', peerId, null)
      return
    }
    if (this.isBanned(node, peerId)) {
      this.push(this.now, DIAL_FAILED, node, null, node.epoch, '', peerId, null)
      return
    }
    if (node.links.has(peerId) || node.dialing?.has(peerId) === true) return
    ;(node.dialing ??= new SmallSet()).add(peerId)
    this.push(this.now + this.delay(node, peer), CONNECT, peer, node, node.epoch, '', null, null)
  }

  /** Closes the link between `node` and `peerId` (if open); both ends' cores are told. */
  close (node: SimNode, peerId: NodeId): void {
    if (!node.links.delete(peerId)) return
    node.holds.take(peerId)
    const peer = this.byId.get(peerId)!
    peer.links.delete(node.id)
    peer.holds.take(node.id)
    this.notify(peer, node, DOWN, this.delay(node, peer))
    this.notify(node, peer, DOWN, 0)
  }

  sanction (node: SimNode, m: Misbehaviour, listener: CoreListener<unknown>): void {
    if (!node.alive) return
    this.sanctions[m.sanction]++
    if (m.sanction !== 'penalise') this.close(node, m.peer)
    if (m.sanction === 'ban') (node.banned ??= new Map()).set(m.peer, this.now + this.banMs)
    listener.misbehaviour?.(m)
  }

  private isBanned (node: SimNode, peer: NodeId): boolean {
    if (node.banned === null || node.banned.size === 0) return false
    const until = node.banned.get(peer)
    if (until === undefined) return false
    if (until > this.now) return true
    node.banned.delete(peer)
    return false
  }

  private notify (node: SimNode, peer: SimNode, k: number, after: number): void {
    this.push(this.now + after, k, node, null, node.epoch, '', peer.id, null)
  }

  private dispatch (e: Ev): void {
    switch (e.k) {
      case DELIVER: return this.deliver(e)
      case TIMER: {
        if (e.epoch !== e.node.epoch || !e.node.alive) return
        e.node.cores.get(e.core)?.onTimer(this.now, e.payload)
        return
      }
      case ACTION: return e.fn!()
      case UP:
      case UP_OUT: return this.up(e)
      case DOWN: return this.down(e)
      case DIAL_FAILED: {
        const node = e.node
        if (e.epoch !== node.epoch || !node.alive) return
        node.dialing?.delete(e.payload as NodeId)
        if (!node.links.has(e.payload as NodeId)) this.tellHolders(node, e.payload as NodeId)
        return
      }
      case CONNECT: return this.connected(e)
    }
  }

  private up (e: Ev): void {
    const node = e.node
    const peer = e.payload as NodeId
    // A notice overtaken by events (the link went away again) is stale.
    if (e.epoch !== node.epoch || !node.alive || !node.links.has(peer)) return
    // A new link whose predecessor's DOWN was overtaken first reports that DOWN (a libp2p stream reset).
    const cores = node.coreList
    if (node.told.has(peer)) for (const c of cores) c.onPeerDown(this.now, peer)
    node.told.add(peer)
    const other = this.byId.get(peer)!
    const outbound = e.k === UP_OUT
    let link: PeerLink | undefined
    for (const c of cores) {
      // Negotiation as multistream-select does it: the first of our ids the peer's core of that name speaks.
      const theirs = c.wire === null ? undefined : other.cores.get(c.name)?.wire?.protocolIds
      const protocol = theirs === undefined ? undefined : negotiate(c.wire!.protocolIds, theirs)
      c.onPeerUp(this.now, peer, protocol === undefined ? (link ??= { outbound, address: other.address }) : { outbound, address: other.address, protocol })
    }
  }

  private down (e: Ev): void {
    const node = e.node
    const peer = e.payload as NodeId
    // Stale if the link came back meanwhile.
    if (e.epoch !== node.epoch || !node.alive || node.links.has(peer)) return
    if (!node.told.delete(peer)) {
      // Closed before this end heard it was up: the cores that asked for it learn their dial failed.
      this.tellHolders(node, peer)
      return
    }
    node.holds.take(peer)
    for (const c of node.coreList) c.onPeerDown(this.now, peer)
  }

  /** A dial for `peer` failed: the cores holding it are told, and their holds dropped. */
  private tellHolders (node: SimNode, peer: NodeId): void {
    const holders = node.holds.take(peer)
    if (holders === undefined) return
    for (const c of node.coreList) if (holders.includes(c.name)) c.onPeerDown(this.now, peer)
  }

  /** The connection request reached the target: both ends are up if it is alive, reachable and willing. */
  private connected (e: Ev): void {
    const initiator = e.peer!
    const target = e.node
    if (e.epoch !== initiator.epoch || !initiator.alive) return
    initiator.dialing?.delete(target.id)
    // Both ends dialled each other at once: the first connection serves both.
    if (initiator.links.has(target.id)) return
    const back = this.delay(target, initiator)
    if (!target.alive || target.group !== initiator.group || this.isBanned(target, initiator.id)) {
      // A crashed process's host, or a node that bans us, refuses at once ('reset'); a silent host or a
      // partition lets the dial time out.
      const refused = target.alive ? target.group === initiator.group : this.crashNotice === 'reset'
      const after = refused ? back : Math.max(back, this.connectTimeoutMs - back)
      this.push(this.now + after, DIAL_FAILED, initiator, null, initiator.epoch, '', target.id, null)
      return
    }
    initiator.links.add(target.id)
    target.links.add(initiator.id)
    this.notify(target, initiator, UP, 0)
    this.notify(initiator, target, UP_OUT, back)
  }

  private deliver (e: Ev): void {
    const to = e.node
    const from = e.peer!
    const name = e.core
    const t = this.trafficOf(name)
    if (!to.alive) {
      t.toDead++
      return
    }
    if (to.group !== from.group) {
      t.partitioned++
      return
    }
    if (this.isBanned(to, from.id)) {
      t.banned++
      return
    }
    const c = to.cores.get(name)
    if (c === undefined || c.wire === null) {
      t.malformed++
      return
    }
    let msg = e.payload
    if (msg instanceof Uint8Array) {
      msg = decodeFrame(c.wire, msg)
      if (msg instanceof PeerError) {
        if (msg.code === 'ERR_FRAME_TOO_LARGE') t.oversize++
        else t.malformed++
        c.onMalformed(this.now, from.id, msg)
        return
      }
    }
    t.delivered++
    c.onMessage(this.now, from.id, msg)
  }

  private countSend (name: string, size: number): Traffic {
    const t = this.trafficOf(name)
    t.sent++
    t.bytes += size
    return t
  }

  private delay (a: SimNode, b: SimNode): number {
    return this.latency.delay(a.index, b.index, this.netRng.float())
  }

  private push (time: number, k: number, node: SimNode, peer: SimNode | null, epoch: number, core: string, payload: unknown, fn: (() => void) | null): void {
    let e = this.free.pop()
    if (e === undefined) {
      e = new Ev(time, k, node, peer, epoch, core, payload, fn)
    } else {
      e.time = time
      e.k = k
      e.node = node
      e.peer = peer
      e.epoch = epoch
      e.core = core
      e.payload = payload
      e.fn = fn
    }
    e.seq = this.seq++
    this.heap.push(e)
  }

  private mustGet (id: NodeId): SimNode {
    const n = this.byId.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }
}

const NO_LISTENER: CoreListener<never> = {}

/**
 * `id` as V8's internalized copy (property names are internalized): cores compare ids all the time (views
 * are arrays scanned with `includes`), and two different internalized strings compare unequal without
 * reading their characters.
 */
function intern (id: string): string {
  const o: Record<string, number> = {}
  o[id] = 0
  return Object.keys(o)[0]!
}

/** The first of `ours` that `theirs` lists (multistream-select's choice for the side that opens the stream). */
function negotiate (ours: readonly string[], theirs: readonly string[]): string | undefined {
  if (ours.length === 1 && theirs.length === 1) return ours[0] === theirs[0] ? ours[0] : undefined
  for (const id of ours) if (theirs.includes(id)) return id
  return undefined
}

/** A core's `Io` in the simulator: one object per core (no closures), routing every output to the simulator. */
class SimIo<M, T, E> implements Io<M, T, E> {
  constructor (private readonly sim: Simulator, private readonly node: SimNode, private readonly name: string, private readonly listener: CoreListener<E>) {}

  send (to: NodeId, msg: M): boolean {
    return this.sim.send(this.node, to, this.name, msg)
  }

  room (): number {
    return this.sim.room(this.node)
  }

  setTimer (at: number, timer: T): void {
    this.sim.setTimer(this.node, this.name, at, timer)
  }

  connect (peer: NodeId): void {
    this.sim.connect(this.node, peer, this.name)
  }

  disconnect (peer: NodeId): void {
    if (this.node.holds.remove(peer, this.name)) this.sim.close(this.node, peer)
  }

  hold (peer: NodeId): void {
    if (this.node.alive && peer !== this.node.id) this.node.holds.add(peer, this.name)
  }

  release (peer: NodeId): void {
    this.node.holds.remove(peer, this.name)
  }

  report (peer: NodeId, sanction: Sanction, reason: string): void {
    this.sim.sanction(this.node, { peer, sanction, reason }, this.listener as CoreListener<unknown>)
  }

  emit (event: E): void {
    this.listener.event?.(event)
  }
}
