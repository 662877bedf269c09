/**
 * Plumtree: epidemic broadcast trees (Leitão, Pereira, Rodrigues, "Epidemic broadcast trees", SRDS 2007).
 * A sans-IO wire protocol (src/core/protocol.ts) over the neighbours membership announces.
 *
 * Every neighbour starts in the eager set. A message's first copy is delivered, pushed in full (GOSSIP)
 * to the eager peers and announced (IHAVE, batched per peer on a short tick) to the lazy peers — never
 * to the peer it came from. A duplicate copy moves its sender to the lazy set and PRUNEs the link, so the
 * eager links settle into a spanning tree (§4.2). An IHAVE for a message not received starts a timer;
 * when it fires, the first announcer is GRAFTed — the link turns eager and the message is sent — and a
 * second, shorter timer covers the next announcer (§4.3). Tree optimisation (§4.4): when a message
 * arrives `threshold` or more hops later than an earlier announcement of it promised, the announcer's
 * link is grafted and the sender's pruned.
 *
 * Trees per source (./trees.ts): the paper builds one tree for all sources. Here each of the `maxTrees`
 * most recent sources has its own: the eager and lazy sets are the tree of the source whose message came
 * last, and a new source's tree starts as a copy of them; a message travels its source's tree, and the
 * PRUNEs and GRAFTs it causes change only that tree (and name it on the wire). One source at a time thus
 * behaves as with one tree. A source's first messages name the tree it copied (`tree`), and every node that
 * holds that tree copies it too: with several new sources in flight, each node's own tree in use differs,
 * and copies of different trees do not fit together (RMR 0.24 and a GRAFT at one node in five, on 2,000 nodes
 * with four random sources in flight, against 0.03 with the naming). With one tree, sources broadcasting
 * at once prune different links of the same cycles — each message's duplicates cut the link where its own
 * waves meet — so the tree kept falling apart and being grafted together again (10 sources at once on
 * 10,000 nodes: RMR 0.73, latency p99 1.8 s, against 0.005 and 0.5 s for one source at a time). `maxTrees: 0`
 * keeps the single tree.
 *
 * Authenticated broadcast (./signing.ts): under StrictSign (the default) a message carries its author's
 * peer id, sequence number and Ed25519 signature, and its id is `<source>/<seqno>`. A receiver looks the id
 * up first — a duplicate costs no signature check, and neither does an IHAVE — and verifies a new message
 * once. One that fails is not delivered, forwarded or cached, and its id is not marked seen, so the genuine
 * message still gets through; it is counted and its sender penalised, then banned after `maxStrikes`
 * (strikes shared with malformed frames). A relay never forwards a message it has not verified, so a bad
 * signature is the fault of the peer that sent it. StrictNoSign (closed clusters) refuses signed messages.
 *
 * A GOSSIP from a peer that is not a neighbour (yet, or any more) is used like any other, and counted: its
 * signature, not the link it came on, says who wrote it, and refusing it would lose the copies in flight
 * while membership changes — a GRAFT answer, a push from a new neighbour whose NEIGHBOR reply travels on
 * another stream — which the tree has no other way to repair when that peer was the only parent.
 *
 * Every table fed by peers is bounded: the payload cache and the seen set (with TTLs), the missing-message
 * table, the per-peer IHAVE queues, the strikes and the verifier's key cache.
 */
import { checkChoice, checkConfig, checkNumbers } from '../core/config.js'
import { UsageError, type PeerError } from '../core/errors.js'
import { PeerVerifier, type Identity, type SignaturePolicy } from '../core/identity.js'
import type { NeighborListener } from '../core/neighbors.js'
import type { Env, NodeId, WireProtocol, WireSpec } from '../core/protocol.js'
import { SeenCache } from '../core/seen.js'
import { Strikes } from '../core/strikes.js'
import { BroadcastCodec, DEFAULT_BROADCAST_LIMITS, type BroadcastCodecLimits } from './codec.js'
import type { BroadcastDelivery, BroadcastMessage, Gossip } from './messages.js'
import { BROADCAST_REJECTIONS, checkGossip, signGossip, type BroadcastRejection } from './signing.js'
import { SourceTrees, rootOf } from './trees.js'

export interface PlumtreeConfig {
  /** First missing-message timer: how long an IHAVE may wait for the eager copy before a GRAFT. */
  graftTimeoutMs: number
  /** Second timer: the wait before grafting the next announcer. */
  graftRetryMs: number
  /** IHAVEs to a peer are gathered for this long and sent as one message. */
  ihaveIntervalMs: number
  /** Hops by which a GOSSIP must trail an earlier IHAVE to swap the two links (the tree optimisation). */
  optimizationThreshold: number
  /** Sources whose messages travel a tree of their own (the most recent ones); 0: one tree shared by all. */
  maxTrees: number
  /** How long payloads are kept to answer GRAFTs. */
  cacheTtlMs: number
  /** How long ids are remembered (copies arriving later would be delivered again). */
  seenTtlMs: number
  seenMax: number
  cacheMax: number
  /** Most messages awaited through IHAVEs at once. */
  maxMissing: number
  /** Most announcers remembered per missing message. */
  maxAnnouncers: number
  /** Most ids queued for one peer's next IHAVE. */
  maxIhaveQueue: number
  /** Malformed frames from one peer before it is banned. */
  maxStrikes: number
  maxFrameBytes: number
  codec: BroadcastCodecLimits
  /** StrictSign: messages are signed by their author and verified once by each receiver; StrictNoSign: closed clusters, no signatures. */
  signaturePolicy: SignaturePolicy
  /** Checks authors' signatures; the simulator shares one that remembers verdicts among all its nodes. */
  verifier?: PeerVerifier
}

export const DEFAULT_PLUMTREE: PlumtreeConfig = {
  graftTimeoutMs: 250,
  graftRetryMs: 100,
  ihaveIntervalMs: 20,
  optimizationThreshold: 2,
  maxTrees: 32,
  cacheTtlMs: 30_000,
  seenTtlMs: 120_000,
  seenMax: 100_000,
  cacheMax: 10_000,
  maxMissing: 10_000,
  maxAnnouncers: 8,
  maxIhaveQueue: 1024,
  maxStrikes: 5,
  maxFrameBytes: DEFAULT_BROADCAST_LIMITS.maxPayloadBytes + 1024,
  codec: DEFAULT_BROADCAST_LIMITS,
  signaturePolicy: 'StrictSign'
}

export type PlumtreeTimer =
  | { kind: 'ihave', token: number }
  | { kind: 'missing', id: string, token: number }

export type PlumtreeEvent = BroadcastDelivery

export interface PlumtreeStats {
  broadcasts: number
  delivered: number
  duplicates: number
  payloadsSent: number
  ihavesSent: number
  idsAnnounced: number
  graftsSent: number
  prunesSent: number
  graftsAnswered: number
  optimizations: number
  malformed: number
  /** Signatures checked: one per new signed message (duplicates and IHAVEs are never checked). */
  verified: number
  /** GOSSIPs refused under the signature policy, in all and by reason. */
  rejected: number
  rejections: Record<BroadcastRejection, number>
  /** Valid GOSSIPs that came from a peer that was not a neighbour (used all the same). */
  fromNonNeighbours: number
}

interface Missing {
  /** Announcers in arrival order, and the hop count each received the message at. */
  peers: NodeId[]
  rounds: number[]
}

/** The ids queued for a peer's next IHAVE and the hop counts we received them at (sent as they are). */
interface IhaveQueue {
  ids: string[]
  rounds: number[]
}

export class Plumtree implements WireProtocol<BroadcastMessage, PlumtreeTimer>, NeighborListener {
  readonly name: string
  readonly wire: WireSpec<BroadcastMessage>
  readonly config: PlumtreeConfig
  readonly stats: PlumtreeStats = {
    broadcasts: 0, delivered: 0, duplicates: 0, payloadsSent: 0, ihavesSent: 0, idsAnnounced: 0,
    graftsSent: 0, prunesSent: 0, graftsAnswered: 0, optimizations: 0, malformed: 0,
    verified: 0, rejected: 0, rejections: Object.fromEntries(BROADCAST_REJECTIONS.map(r => [r, 0])) as Record<BroadcastRejection, number>, fromNonNeighbours: 0
  }

  /** Neighbours eager and lazy in the tree in use: the tree of the source heard last (or the one tree, maxTrees 0). */
  readonly eager = new Set<NodeId>()
  readonly lazy = new Set<NodeId>()
  /** The trees of recent sources; null with `maxTrees` 0. */
  private readonly trees: SourceTrees | null
  /** The source whose tree the eager and lazy sets are ('' : none yet). */
  private current = ''
  private readonly seen: SeenCache
  /** Messages as received (with the hop count we received them at), kept to answer GRAFTs. */
  private readonly cache: SeenCache<Gossip>
  private readonly missing = new Map<string, Missing>()
  private readonly ihaveQueue = new Map<NodeId, IhaveQueue>()
  private ihaveTimerSet = false
  private token = 0
  /** The next sequence number: it starts at a random point, so a restarted node does not reuse its ids. */
  private seq: number

  private readonly strikes: Strikes
  private readonly verifier: PeerVerifier
  private readonly signed: boolean

  /** `identity` is the node's, which signs its broadcasts; null only with signaturePolicy StrictNoSign. */
  constructor (private readonly env: Env<BroadcastMessage, PlumtreeTimer, PlumtreeEvent>, private readonly identity: Identity | null, config: Partial<PlumtreeConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_PLUMTREE, ...config }
    validate(this.config)
    this.signed = this.config.signaturePolicy === 'StrictSign'
    if (this.signed && identity === null) {
      throw new UsageError('ERR_CONFIG', 'broadcast.signaturePolicy StrictSign needs the node\'s identity (its Ed25519 key); pass one, or use StrictNoSign in a closed cluster')
    }
    this.wire = { protocolIds: ['/grapevine/plumtree/2.0.0'], codec: new BroadcastCodec(this.config.codec), maxFrameBytes: this.config.maxFrameBytes }
    this.strikes = new Strikes(this.config.maxStrikes)
    this.verifier = this.config.verifier ?? new PeerVerifier()
    this.seen = new SeenCache(this.config.seenTtlMs, this.config.seenMax)
    this.cache = new SeenCache(this.config.cacheTtlMs, this.config.cacheMax)
    this.trees = this.config.maxTrees > 0 ? new SourceTrees(this.config.maxTrees) : null
    // A random 32-bit start (as much as the network driver's seed holds), far below 2^53, the largest seqno.
    this.seq = env.rng.nextU32()
  }

  // ---- application ----

  /** Broadcasts `payload` to every node; returns the message id. */
  broadcast (now: number, payload: Uint8Array): string {
    if (payload.length > this.config.codec.maxPayloadBytes) {
      throw new UsageError('ERR_PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes exceeds maxPayloadBytes (${this.config.codec.maxPayloadBytes}); split it or raise the limit`)
    }
    const seqno = this.seq++
    const msg: Gossip = this.signed ? signGossip(this.identity!, seqno, payload) : { kind: 'gossip', id: `${this.env.id}/${seqno}`, round: 0, payload }
    this.stats.broadcasts++
    const root = rootOf(msg.id, msg.source ?? this.env.id)
    // A first message (or one after its tree was forgotten): its tree will be a copy of the tree in use,
    // which the message names so that every node copies the same one.
    const named = this.trees !== null && root !== '' && this.current !== '' && this.current !== root && this.trees.peek(root) === undefined
      ? relay(msg, 0, this.current)
      : msg
    this.accept(now, null, named, root, this.lazy)
    return msg.id
  }

  // ---- neighbours (from membership) ----

  neighborUp (_now: number, peer: NodeId): void {
    this.lazy.delete(peer)
    this.eager.add(peer)
    this.trees?.graftAll(peer)
  }

  neighborDown (_now: number, peer: NodeId): void {
    this.eager.delete(peer)
    this.lazy.delete(peer)
    this.trees?.graftAll(peer) // forgotten: a neighbour that comes back starts eager
    this.ihaveQueue.delete(peer)
    for (const [id, m] of this.missing) {
      const i = m.peers.indexOf(peer) // at most once: announcers are distinct
      if (i < 0) continue
      m.peers.splice(i, 1)
      m.rounds.splice(i, 1)
      if (m.peers.length === 0) this.missing.delete(id)
    }
  }

  // ---- driver inputs ----

  start (): void {
    this.token++
    this.ihaveTimerSet = false
  }

  onPeerUp (): void {}
  onPeerDown (): void {}

  onMessage (now: number, from: NodeId, msg: BroadcastMessage): void {
    // Messages from a peer that is not (or not yet, or no longer) a neighbour are used, but never change
    // the eager and lazy sets: those follow membership.
    switch (msg.kind) {
      case 'gossip': return this.onGossip(now, from, msg)
      case 'ihave': return this.onIhave(now, from, msg.ids, msg.rounds)
      case 'graft': return this.onGraft(from, msg.id, msg.root)
      case 'prune': return this.onPrune(from, msg.root)
    }
  }

  onTimer (now: number, timer: PlumtreeTimer): void {
    if (timer.token !== this.token) return
    if (timer.kind === 'ihave') {
      this.ihaveTimerSet = false
      this.flushIhaves()
      return
    }
    const m = this.missing.get(timer.id)
    if (m === undefined || this.seen.has(timer.id)) return
    const next = m.peers.shift()
    if (next === undefined) {
      this.missing.delete(timer.id)
      return
    }
    m.rounds.shift()
    // Graft the first announcer; the second, shorter timer covers the next one.
    this.setMissingTimer(now + this.config.graftRetryMs, timer.id)
    this.graft(next, timer.id, rootOf(timer.id, this.current))
  }

  onMalformed (_now: number, from: NodeId, _error: PeerError): void {
    this.stats.malformed++
    // A peer that keeps sending bytes we cannot read is dropped (and reported).
    if (this.strikes.strike(from)) this.env.io.report(from, 'ban', `${this.config.maxStrikes} malformed frames or refused messages`)
  }

  // ---- §4.2: eager push, prune ----

  private onGossip (now: number, from: NodeId, msg: Gossip): void {
    const id = msg.id
    // Seen first: most copies are duplicates, and a duplicate costs no signature check.
    if (this.seen.has(id)) {
      // A duplicate: this link is redundant for the tree.
      // The sender pushed it, so it holds our link as eager: prune it even if we already hold it lazy.
      this.stats.duplicates++
      if (this.eager.has(from) || this.lazy.has(from)) this.prune(from, rootOf(id, msg.source ?? this.current))
      return
    }
    // Verified once, before it changes anything: a refused message leaves its id unseen and its IHAVE
    // announcers waiting, so the genuine copy still gets through.
    const bad = checkGossip(this.config.signaturePolicy, this.verifier, msg)
    if (this.signed && (bad === undefined || bad === 'bad-signature')) this.stats.verified++
    if (bad !== undefined) return this.refuse(from, bad)
    if (!this.eager.has(from) && !this.lazy.has(from)) this.stats.fromNonNeighbours++
    const m = this.missing.get(id)
    this.missing.delete(id)
    // The sender's link is part of the (source's) tree now.
    const root = rootOf(id, msg.source ?? this.current)
    // A new source's tree starts from the tree its source named (every node copies the same one), else
    // from the tree in use.
    const seed = (msg.tree === undefined ? undefined : this.trees?.peek(msg.tree)) ?? this.lazy
    this.setLink(root, from, true, seed)
    this.accept(now, from, msg, root, seed)
    // After forwarding: a link the optimisation grafts must not be pushed this message it already has.
    if (m !== undefined && this.eager.has(from)) this.optimize(from, msg.round, m, root)
  }

  /** Makes the link lazy in `root`'s tree, and tells the peer (naming the tree). */
  private prune (peer: NodeId, root: string): void {
    this.setLink(root, peer, false)
    this.stats.prunesSent++
    this.env.io.send(peer, this.trees !== null && root !== '' ? { kind: 'prune', root } : { kind: 'prune' })
  }

  private onPrune (from: NodeId, root: string | undefined): void {
    if (root === undefined) this.setLinkEverywhere(from, false)
    else this.setLink(root, from, false)
  }

  private refuse (from: NodeId, why: BroadcastRejection): void {
    this.stats.rejected++
    this.stats.rejections[why]++
    if (this.strikes.strike(from)) this.env.io.report(from, 'ban', `${this.config.maxStrikes} malformed frames or refused messages`)
    else this.env.io.report(from, 'penalise', `GOSSIP refused: ${why}`)
  }

  /**
   * A first copy: deliver it, push it to the eager peers, announce it to the lazy ones. `root`: its source's
   * tree, made from `seed` (lazy neighbours) if new.
   */
  private accept (now: number, from: NodeId | null, msg: Gossip, root: string, seed: Iterable<NodeId>): void {
    const { id, round, payload } = msg
    this.seen.add(now, id, true)
    this.cache.add(now, id, msg)
    if (from !== null) this.stats.delivered++
    this.env.io.emit({ type: 'deliver', id, payload, round, from, source: this.signed ? msg.source! : null })
    this.useTree(root, seed)
    const out = relay(msg, round + 1)
    for (const p of this.eager) {
      if (p === from) continue
      this.stats.payloadsSent++
      this.env.io.send(p, out)
    }
    for (const p of this.lazy) {
      if (p !== from) this.queueIhave(now, p, id, round)
    }
  }

  // ---- trees per source ----

  /**
   * The eager and lazy sets become `root`'s tree (a new source's tree starts as a copy of `seed`: the tree
   * its source named, or the tree in use). Without trees, or for an id that names no source, they stay the
   * shared tree.
   */
  private useTree (root: string, seed: Iterable<NodeId>): void {
    if (this.trees === null || root === '') return
    const lazy = this.trees.lazyOf(root, seed, true)
    if (root === this.current) return
    this.current = root
    // In place, in the order of copies filtered first: the lazy peers that are eager in this tree join
    // the eager set (at its end, where the second loop finds them eager in the tree too), then the eager
    // ones that are lazy in it leave it. (Deleting the entry being visited is safe in a Set's iteration.)
    for (const p of this.lazy) {
      if (!lazy.includes(p)) { this.lazy.delete(p); this.eager.add(p) }
    }
    for (const p of this.eager) {
      if (lazy.includes(p)) { this.eager.delete(p); this.lazy.add(p) }
    }
  }

  /**
   * Makes neighbour `peer` eager or lazy in `root`'s tree (and in the eager and lazy sets, when they are that
   * tree); a new tree starts from `seed` (lazy neighbours: by default the tree in use).
   */
  private setLink (root: string, peer: NodeId, eager: boolean, seed: Iterable<NodeId> = this.lazy): void {
    if (!this.eager.has(peer) && !this.lazy.has(peer)) return
    if (this.trees !== null && root !== '') {
      if (eager) this.trees.graft(root, peer, seed)
      else this.trees.prune(root, peer, seed)
      if (root !== this.current) return
    }
    if (eager && this.lazy.delete(peer)) this.eager.add(peer)
    if (!eager && this.eager.delete(peer)) this.lazy.add(peer)
  }

  /** The same in every tree: a PRUNE or GRAFT that names none (a peer with one shared tree sends those). */
  private setLinkEverywhere (peer: NodeId, eager: boolean): void {
    if (!this.eager.has(peer) && !this.lazy.has(peer)) return
    if (eager) this.trees?.graftAll(peer)
    else this.trees?.pruneAll(peer)
    if (eager && this.lazy.delete(peer)) this.eager.add(peer)
    if (!eager && this.eager.delete(peer)) this.lazy.add(peer)
  }

  // ---- §4.3: lazy push and repair ----

  private queueIhave (now: number, peer: NodeId, id: string, round: number): void {
    let q = this.ihaveQueue.get(peer)
    if (q === undefined) this.ihaveQueue.set(peer, q = { ids: [], rounds: [] })
    if (q.ids.length >= this.config.maxIhaveQueue) { q.ids.shift(); q.rounds.shift() }
    q.ids.push(id)
    q.rounds.push(round)
    if (!this.ihaveTimerSet) {
      this.ihaveTimerSet = true
      this.env.io.setTimer(now + this.config.ihaveIntervalMs, { kind: 'ihave', token: this.token })
    }
  }

  private flushIhaves (): void {
    for (const [peer, q] of this.ihaveQueue) {
      // Sent even if the peer turned eager since: it may not have these messages from us.
      if (q.ids.length === 0 || (!this.lazy.has(peer) && !this.eager.has(peer))) continue
      this.stats.ihavesSent++
      this.stats.idsAnnounced += q.ids.length
      // The queue's own arrays: it is dropped just below, so nothing changes them once sent.
      this.env.io.send(peer, { kind: 'ihave', ids: q.ids, rounds: q.rounds })
    }
    this.ihaveQueue.clear()
  }

  private onIhave (now: number, from: NodeId, ids: readonly string[], rounds: readonly number[]): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!
      if (this.seen.has(id)) continue
      let m = this.missing.get(id)
      if (m === undefined) {
        if (this.missing.size >= this.config.maxMissing) continue
        m = { peers: [], rounds: [] }
        this.missing.set(id, m)
        this.setMissingTimer(now + this.config.graftTimeoutMs, id)
      }
      if (m.peers.length < this.config.maxAnnouncers && !m.peers.includes(from)) {
        m.peers.push(from)
        m.rounds.push(rounds[i]!)
      }
    }
  }

  private setMissingTimer (at: number, id: string): void {
    this.env.io.setTimer(at, { kind: 'missing', id, token: this.token })
  }

  /** GRAFTs `peer` into `root`'s tree (and the shared one), asking for `id` (none: '', the optimisation's). */
  private graft (peer: NodeId, id: string, root: string): void {
    if (!this.eager.has(peer) && !this.lazy.has(peer)) return
    this.setLink(root, peer, true)
    const named = this.trees !== null && root !== ''
    this.stats.graftsSent++
    // A GRAFT with an id names its tree already (the id's source).
    this.env.io.send(peer, named && id === '' ? { kind: 'graft', id, round: 0, root } : { kind: 'graft', id, round: 0 })
  }

  private onGraft (from: NodeId, id: string, named: string | undefined): void {
    const root = named ?? (id === '' ? undefined : rootOf(id, this.current))
    if (root === undefined) this.setLinkEverywhere(from, true)
    else this.setLink(root, from, true)
    if (id === '') return
    const c = this.cache.get(id)
    if (c === undefined) return
    this.stats.graftsAnswered++
    this.stats.payloadsSent++
    this.env.io.send(from, relay(c, c.round + 1))
  }

  // ---- §4.4: tree optimisation ----

  /**
   * The message came from `from` at hop `round`, but `m` holds earlier announcements of it. If one promised
   * it at least `optimizationThreshold` hops sooner, that announcer makes a better parent: graft its link
   * (no message needed) and prune the sender's.
   */
  private optimize (from: NodeId, round: number, m: Missing, root: string): void {
    // Only announcers whose link is still lazy (the sets are this message's tree, since accept): an eager one
    // was just pushed this message by us.
    let best = -1
    for (let i = 0; i < m.peers.length; i++) {
      if (this.lazy.has(m.peers[i]!) && (best < 0 || m.rounds[i]! < m.rounds[best]!)) best = i
    }
    if (best < 0 || m.peers[best] === from) return
    // The best announcer received it at m.rounds[best] hops, so through it we would be one hop later.
    if (round - (m.rounds[best]! + 1) < this.config.optimizationThreshold) return
    this.stats.optimizations++
    this.graft(m.peers[best]!, '', root)
    this.prune(from, root)
  }
}

/**
 * `msg` as sent on at hop `round`: the author's fields unchanged, and the tree it names. Object literals of
 * a fixed shape (a spread per message made V8 keep a hidden class per object: 15 KB a node on 2,000 nodes).
 */
function relay (msg: Gossip, round: number, tree = msg.tree): Gossip {
  const { id, payload } = msg
  if (msg.source === undefined) return tree === undefined ? { kind: 'gossip', id, round, payload } : { kind: 'gossip', id, round, payload, tree }
  const { source, seqno, signature } = msg
  return tree === undefined
    ? { kind: 'gossip', id, round, payload, source, seqno: seqno!, signature: signature! }
    : { kind: 'gossip', id, round, payload, source, seqno: seqno!, signature: signature!, tree }
}

function validate (c: PlumtreeConfig): void {
  checkChoice('broadcast', 'signaturePolicy', c.signaturePolicy, ['StrictSign', 'StrictNoSign'] as const)
  checkNumbers('broadcast', c, {
    graftTimeoutMs: 'positive', graftRetryMs: 'positive', ihaveIntervalMs: 'positive', cacheTtlMs: 'positive', seenTtlMs: 'positive',
    seenMax: 'whole', cacheMax: 'whole', maxTrees: 'count', maxMissing: 'whole', maxAnnouncers: 'whole', maxIhaveQueue: 'whole', maxStrikes: 'whole',
    maxFrameBytes: 'positive', optimizationThreshold: 'whole'
  })
  checkConfig(c.seenTtlMs >= c.cacheTtlMs, 'broadcast.seenTtlMs must be at least cacheTtlMs')
}
