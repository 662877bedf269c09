/**
 * Scamp (Ganesh, Kermarrec, Massoulié, "Peer-to-peer membership management for gossip-based protocols",
 * IEEE Trans. Computers 52(2), 2003; first as "SCAMP", NGC 2001): a baseline for HyParView's comparison
 * (Leitão et al., DSN 2007 §5), run in the simulator only. A sans-IO wire protocol (src/core/protocol.ts).
 *
 * Each node keeps a **partial view** whose size adapts to the system's without anyone knowing it: about
 * (c + 1)·ln n on average. The gossip layer (./gossip.ts) draws its targets from it.
 *   subscription: a newcomer's partial view starts as its contact; the contact forwards the
 *        newcomer's id to every member of its partial view, and c more copies to random members of it
 *        (with an empty view it keeps the newcomer itself).
 *   a forwarded subscription is kept with probability 1 / (1 + size of the partial view) (always by a
 *        node whose view is empty), unless the node is the newcomer or already holds it; otherwise it goes
 *        on to a random member of the partial view. (A copy that has travelled `maxHops` is kept where it
 *        is: a bound of ours, so no copy circulates forever; with the defaults it is almost never reached.)
 *   isolation recovery: every node sends a heartbeat to the members of its partial view each
 *        heartbeat period; a node that hears none for `isolationTimeoutMs` thinks nobody holds it any more
 *        and subscribes again through a random member of its partial view.
 * Not modelled: unsubscription, indirection, and the lease mechanism (periodic re-subscription); a crashed
 * peer therefore stays in partial views, as nothing in Scamp's core tells anyone it is gone.
 */
import { UsageError, type PeerError } from '../core/errors.js'
import type { Env, NodeId, PeerLink, WireProtocol, WireSpec } from '../core/protocol.js'
import { BaselineCodec, type Layout } from './codec.js'
import type { PartialView } from './gossip.js'

export type ScampMessage =
  /** A newcomer (or an isolated node) asks its contact to spread its subscription. */
  | { readonly kind: 'subscribe' }
  /** A copy of `peer`'s subscription, `ttl` hops before it must be kept. */
  | { readonly kind: 'forwardSub', readonly peer: NodeId, readonly ttl: number }
  | { readonly kind: 'heartbeat' }

export interface ScampTimer { kind: 'heartbeat', token: number }

const LAYOUT: Layout = {
  subscribe: { code: 1 },
  forwardSub: { code: 2, peer: true, ttl: true },
  heartbeat: { code: 3 }
}

export interface ScampConfig {
  /** Extra copies of each subscription, the tolerance to failures: views hold ≈ (c + 1)·ln n peers. */
  c: number
  /** Hops after which a forwarded subscription is kept wherever it is. */
  maxHops: number
  heartbeatPeriodMs: number
  /** No heartbeat for this long: subscribe again. */
  isolationTimeoutMs: number
  /** Most peers in a partial view (a bound of ours on what peers can make us hold). */
  maxView: number
}

/**
 * c = 1: with fanout-4 gossip on top the view size only sets the in-degree spread, and every copy walks
 * about a view's length before it is kept, so a larger c makes 10,000 joins much more expensive to
 * simulate (c = 4: ≈ 2,300 messages per join). Heartbeats every 5 cycles, isolation after 3 missed.
 */
export const DEFAULT_SCAMP: ScampConfig = { c: 1, maxHops: 1000, heartbeatPeriodMs: 5000, isolationTimeoutMs: 15_000, maxView: 1000 }

export interface ScampStats {
  subscriptionsHandled: number
  forwarded: number
  kept: number
  keptAtMaxHops: number
  resubscriptions: number
  heartbeatsSent: number
  malformed: number
}

export class Scamp implements WireProtocol<ScampMessage, ScampTimer>, PartialView {
  readonly name: string
  readonly wire: WireSpec<ScampMessage>
  readonly config: ScampConfig
  readonly stats: ScampStats = { subscriptionsHandled: 0, forwarded: 0, kept: 0, keptAtMaxHops: 0, resubscriptions: 0, heartbeatsSent: 0, malformed: 0 }
  private readonly view: NodeId[] = []
  private lastHeard = 0
  private token = 0

  constructor (private readonly env: Env<ScampMessage, ScampTimer, never>, config: Partial<ScampConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_SCAMP, ...config }
    const c = this.config
    if (!Number.isInteger(c.c) || c.c < 0) throw new UsageError('ERR_CONFIG', `scamp: c must be a whole number ≥ 0 (got ${c.c})`)
    if (!Number.isInteger(c.maxHops) || c.maxHops < 1) throw new UsageError('ERR_CONFIG', `scamp: maxHops must be a whole number ≥ 1 (got ${c.maxHops})`)
    if (!(c.heartbeatPeriodMs > 0) || !(c.isolationTimeoutMs > 0)) throw new UsageError('ERR_CONFIG', 'scamp: heartbeatPeriodMs and isolationTimeoutMs must be > 0')
    this.wire = { protocolIds: ['/grapevine-sim/scamp/1.0.0'], codec: new BaselineCodec<ScampMessage>(LAYOUT), maxFrameBytes: 4096 }
  }

  partialView (): NodeId[] {
    return [...this.view]
  }

  join (now: number, contact: NodeId): void {
    if (contact === this.env.id) throw new UsageError('ERR_JOIN_SELF', 'a node cannot join through itself; give the id of another node as contact')
    this.keep(contact)
    this.lastHeard = now
    this.env.io.send(contact, { kind: 'subscribe' })
  }

  start (now: number): void {
    const token = ++this.token
    this.lastHeard = now
    this.env.io.setTimer(now + this.env.rng.float() * this.config.heartbeatPeriodMs, { kind: 'heartbeat', token })
  }

  onTimer (now: number, timer: ScampTimer): void {
    if (timer.token !== this.token) return
    this.env.io.setTimer(now + this.config.heartbeatPeriodMs, timer)
    for (const p of this.view) {
      this.stats.heartbeatsSent++
      this.env.io.send(p, { kind: 'heartbeat' })
    }
    if (now - this.lastHeard > this.config.isolationTimeoutMs && this.view.length > 0) {
      this.stats.resubscriptions++
      this.lastHeard = now
      this.env.io.send(this.view[this.env.rng.int(this.view.length)]!, { kind: 'subscribe' })
    }
  }

  onPeerUp (_now: number, _peer: NodeId, _link: PeerLink): void {}
  onPeerDown (): void {}

  onMalformed (_now: number, _from: NodeId, _error: PeerError): void {
    this.stats.malformed++
  }

  onMessage (now: number, from: NodeId, msg: ScampMessage): void {
    switch (msg.kind) {
      case 'heartbeat':
        this.lastHeard = now
        return
      case 'subscribe': {
        this.stats.subscriptionsHandled++
        const targets = this.view.filter(p => p !== from)
        if (targets.length === 0) {
          this.keep(from)
          return
        }
        for (const p of targets) this.send(p, from, this.config.maxHops)
        for (let i = 0; i < this.config.c; i++) this.send(targets[this.env.rng.int(targets.length)]!, from, this.config.maxHops)
        return
      }
      case 'forwardSub': {
        const s = msg.peer
        const mine = s === this.env.id || this.view.includes(s)
        if (!mine && (this.view.length === 0 || msg.ttl <= 0 || this.env.rng.chance(1 / (1 + this.view.length)))) {
          if (msg.ttl <= 0) this.stats.keptAtMaxHops++
          this.stats.kept++
          this.keep(s)
          return
        }
        const targets = this.view.filter(p => p !== s)
        if (targets.length === 0 || msg.ttl <= 0) return
        this.stats.forwarded++
        this.send(targets[this.env.rng.int(targets.length)]!, s, msg.ttl - 1)
      }
    }
  }

  private send (to: NodeId, peer: NodeId, ttl: number): void {
    this.env.io.send(to, { kind: 'forwardSub', peer, ttl })
  }

  private keep (peer: NodeId): void {
    if (peer === this.env.id || this.view.includes(peer) || this.view.length >= this.config.maxView) return
    this.view.push(peer)
  }
}
