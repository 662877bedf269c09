/**
 * The router's mesh and fanout (libp2p specs pubsub/gossipsub v1.0 "Router State"): per topic, the peers
 * it forwards messages to. A peer in some mesh or fanout is one the router routes through, so it holds that
 * peer's connection (the contract's `hold` / `release`) while the peer is in at least one of them.
 */
import type { NodeId } from '../core/protocol.js'

/** Counts, per peer, the meshes and fanouts it is in; holds the connection from the first, releases it after the last. */
export class Routes {
  private readonly count = new Map<NodeId, number>()

  constructor (private readonly io: { hold: (peer: NodeId) => void, release: (peer: NodeId) => void }) {}

  /** Whether `peer` is in some mesh or fanout. */
  has (peer: NodeId): boolean {
    return this.count.has(peer)
  }

  enter (peer: NodeId): void {
    const n = this.count.get(peer) ?? 0
    this.count.set(peer, n + 1)
    if (n === 0) this.io.hold(peer)
  }

  leave (peer: NodeId): void {
    const n = this.count.get(peer)
    if (n === undefined) return
    if (n > 1) {
      this.count.set(peer, n - 1)
      return
    }
    this.count.delete(peer)
    this.io.release(peer)
  }

  /** The peer's connection closed: it is in no set any more (nothing to release). */
  forget (peer: NodeId): void {
    this.count.delete(peer)
  }
}

/** Topic → a set of peers (the mesh, or the fanout), every change counted in `Routes`. */
export class TopicSets {
  private readonly sets = new Map<string, Set<NodeId>>()

  constructor (private readonly routes: Routes) {}

  get (topic: string): ReadonlySet<NodeId> | undefined {
    return this.sets.get(topic)
  }

  has (topic: string): boolean {
    return this.sets.has(topic)
  }

  keys (): IterableIterator<string> {
    return this.sets.keys()
  }

  entries (): IterableIterator<[string, ReadonlySet<NodeId>]> {
    return this.sets.entries()
  }

  values (): IterableIterator<ReadonlySet<NodeId>> {
    return this.sets.values()
  }

  /** The topic's set, made empty if absent. */
  open (topic: string): ReadonlySet<NodeId> {
    let s = this.sets.get(topic)
    if (s === undefined) this.sets.set(topic, s = new Set())
    return s
  }

  /** Adds `peer` to an open topic; false if it was there (or the topic is not open). */
  add (topic: string, peer: NodeId): boolean {
    const s = this.sets.get(topic)
    if (s === undefined || s.has(peer)) return false
    s.add(peer)
    this.routes.enter(peer)
    return true
  }

  remove (topic: string, peer: NodeId): boolean {
    if (this.sets.get(topic)?.delete(peer) !== true) return false
    this.routes.leave(peer)
    return true
  }

  /** Forgets the topic; returns the peers it held. */
  close (topic: string): NodeId[] {
    const s = this.sets.get(topic)
    if (s === undefined) return []
    this.sets.delete(topic)
    for (const p of s) this.routes.leave(p)
    return [...s]
  }

  /** Removes a peer whose connection closed from every topic; returns the topics it was in. */
  drop (peer: NodeId): string[] {
    const left: string[] = []
    for (const [topic, s] of this.sets) if (s.delete(peer)) left.push(topic)
    return left
  }
}

/**
 * The fanout (v1.0 "Fanout"): for topics we publish to without subscribing, D topic peers to publish to,
 * kept for `ttlMs` after the last publish and refilled each heartbeat.
 */
export class Fanout extends TopicSets {
  private readonly lastPublish = new Map<string, number>()

  /** The topic's fanout for a publish at `now`: the current one, or `pick()` of the topic peers if empty. */
  forPublish (now: number, topic: string, pick: () => NodeId[]): ReadonlySet<NodeId> {
    let f = this.get(topic)
    if (f === undefined || f.size === 0) {
      this.close(topic)
      f = this.open(topic)
      for (const p of pick()) this.add(topic, p)
    }
    this.lastPublish.set(topic, now)
    return f
  }

  /** Forgets `topic` (we subscribed to it, or stopped publishing to it). */
  forget (topic: string): void {
    this.close(topic)
    this.lastPublish.delete(topic)
  }

  /** Heartbeat: forget topics not published to for `ttlMs`; drop peers that left a topic; refill to D with `more(topic, n)`. */
  maintain (now: number, ttlMs: number, D: number, inTopic: (topic: string, p: NodeId) => boolean, more: (topic: string, exclude: ReadonlySet<NodeId>, n: number) => NodeId[]): void {
    for (const topic of [...this.keys()]) {
      if ((this.lastPublish.get(topic) ?? 0) + ttlMs < now) {
        this.forget(topic)
        continue
      }
      const f = this.get(topic)!
      for (const p of [...f]) if (!inTopic(topic, p)) this.remove(topic, p)
      if (f.size < D) for (const p of more(topic, f, D - f.size)) this.add(topic, p)
    }
  }
}
