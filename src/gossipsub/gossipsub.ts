/**
 * GossipSub router (libp2p specs pubsub/gossipsub: v1.0 mesh, fanout, gossip; v1.1 prune backoff, peer
 * exchange, flood publishing, opportunistic grafting, IHAVE/IWANT limits, peer scoring; v1.2 IDONTWANT;
 * v1.3 the Extensions control message, in ./extensions.ts).
 * A sans-IO wire protocol (src/core/protocol.ts) speaking libp2p's RPC (./codec.ts), so it runs in the
 * simulator and, through the network driver, against go-libp2p-pubsub and @libp2p/gossipsub peers.
 *
 * Differences that design away known pains: `publish` returns who it reached and why not (never a silent
 * success with zero recipients); a peer whose subscription arrives while our mesh is below D_lo is grafted
 * at once rather than at the next heartbeat; the seen cache is checked before a signature is verified;
 * every table fed by peers is bounded.
 *
 * Peer scoring (./score.ts, v1.1 P1–P7) gates everything: RPCs from graylisted peers are ignored, no
 * gossip with peers under the gossip threshold, no flood publishing to peers under the publish threshold,
 * negative peers are pruned from meshes and never grafted, oversubscribed meshes keep their best D_score.
 * Mesh and fanout peers are held (./routes.ts): the router routes through their connections.
 * Direct peers (v1.1 explicit peering agreements, ./direct.ts) live outside the mesh and the scoring gates:
 * they get every message of their topics, no gossip, no GRAFT, and are held and redialled.
 */
import { UsageError, type PeerError } from '../core/errors.js'
import { utf8Length } from '../core/bytes.js'
import { SeenIds } from '../core/seenids.js'
import type { Env, NodeId, PeerLink, SignatureCheck, SignatureOffload, WireProtocol, WireSpec } from '../core/protocol.js'
import type { RPC } from '../wire/rpc.js'
import { RpcCodec, isEmptyRpc, messageRpcBytes } from './codec.js'
import { resolveGossipSub, emptyStats, historyBounds, validateGossipSub, type GossipSubConfig, type GossipSubEvent, type GossipSubStats, type GossipSubTimer, type PublishResult, type PublishRouting, type ValidationResult } from './config.js'
import { Backoff } from './backoff.js'
import { HeartbeatControl, controlMessage, controlRpc, none } from './control.js'
import { Extensions } from './extensions.js'
import { emitGossip, wanted } from './gossip.js'
import { DirectPeers } from './direct.js'
import { Grading, tooLarge } from './grading.js'
import { MessageCache } from './mcache.js'
import { TopicHistory } from './history.js'
import { maintainMesh, type MeshParams } from './mesh.js'
import { MeshEvents, type ChurnReason, type InclusionReason } from './meshevents.js'
import { IdSchemes } from './msgid.js'
import { IWantPromises } from './promises.js'
import { queueToTargets } from './publish.js'
import { Fanout, Routes, TopicSets } from './routes.js'
import { PeerScore, type PeerStats } from './score.js'
import { offerPeers, peersToDial } from './px.js'
import { SignatureVerifier, authorOf, defaultMessageId, seqnoBytes, signMessage, type Rejection } from './signing.js'
import { type Identity } from '../core/identity.js'

export * from './config.js'

interface PeerState {
  topics: Set<string>
  outbound: boolean
  /** IHAVE messages received and ids asked this heartbeat. */
  ihaves: number
  asked: number
  /** IDONTWANT ids from this peer (canonical), oldest first, kept three heartbeats; made on its first IDONTWANT. */
  dontWant: SeenIds | undefined
  /** The peer's score counters (./score.ts), to score each of its RPCs without a lookup. */
  scored: PeerStats
  /** Its first RPC was read for v1.3 extensions (later ones go to ./extensions.ts only if they carry any). */
  spoke: boolean
}

/**
 * A message id as a map key: its bytes as latin1 characters. Buffer's own latin1 slicer reads the view in
 * place, without copying the bytes and without touching `id.buffer` (which would move a small id's bytes
 * off the V8 heap, ~150 bytes more for each id the message cache keeps).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice: (this: Uint8Array, start: number, end: number) => string }).latin1Slice
const idKey = (id: Uint8Array): string => latin1Slice.call(id, 0, id.length)

export class GossipSub implements WireProtocol<RPC, GossipSubTimer> {
  readonly name: string
  readonly wire: WireSpec<RPC>
  readonly config: GossipSubConfig
  readonly score: PeerScore
  readonly stats: GossipSubStats = emptyStats()
  /** Peers joining and leaving our meshes, per topic and reason (read by the metrics). */
  readonly meshEvents = new MeshEvents()

  private readonly routes: Routes
  /** Topic → the peers we forward its messages to (topics we subscribe to). */
  readonly mesh: TopicSets
  /** Topic → the peers we publish to (topics we publish to without subscribing). */
  readonly fanout: Fanout
  private readonly subscriptions = new Set<string>()
  private readonly validated = new Set<string>()
  private readonly peers = new Map<NodeId, PeerState>()
  /** Topic → peers subscribed to it. */
  private readonly topicPeers = new Map<string, Set<NodeId>>()
  private readonly backoff = new Backoff()
  /** Ids of the messages seen in the last `seenTtlMs` (bytes, compactly). */
  private readonly seen: SeenIds
  /** Seeds the hashes of the id sets (./seenids.ts), so no peer can choose ids that collide. */
  private readonly idSeed: number
  private readonly mcache: MessageCache
  /** Per-topic history for late subscribers (./history.ts; empty unless configured). */
  readonly history: TopicHistory
  private readonly verifier: SignatureVerifier
  /** Messages awaiting the application's verdict, with the peers that sent copies meanwhile (not forwarded to). */
  private readonly pending = new Map<string, { msg: RPC.Message, from: NodeId, id: Uint8Array<ArrayBuffer>, also: Set<NodeId> }>()
  private readonly promises = new IWantPromises()
  /** Ids computed while a message waited for its signature check (offload), for onPublished. */
  private readonly ids = new WeakMap<RPC.Message, Uint8Array<ArrayBuffer>>()
  /** A driver offloads signature checks (so `ids` may hold something): without, ids are computed with no lookup. */
  private offloading = false
  private readonly grading: Grading
  /** Message-id schemes of the peers (./msgid.ts). */
  readonly idSchemes: IdSchemes
  /** v1.3 extensions: ours, each peer's, and the Test Extension. */
  readonly extensions: Extensions
  /** Peers of explicit peering agreements (./direct.ts). */
  readonly direct: DirectPeers
  private token = 0
  private seq: bigint
  private heartbeats = 0
  /** A history is configured: ask for each id once at a time (./history.ts). */
  private readonly askOnce: boolean

  constructor (private readonly env: Env<RPC, GossipSubTimer, GossipSubEvent>, private readonly identity: Identity | null, config: Partial<GossipSubConfig> = {}) {
    this.name = env.name
    this.config = resolveGossipSub(config)
    validateGossipSub(this.config)
    if (this.config.signaturePolicy === 'StrictSign' && identity === null) {
      throw new UsageError('ERR_CONFIG', 'StrictSign needs the node\'s identity (its Ed25519 key); pass one, or use signaturePolicy StrictNoSign')
    }
    this.wire = { protocolIds: this.config.protocols, codec: new RpcCodec(this.config.limits), maxFrameBytes: this.config.maxFrameBytes }
    if (this.config.signaturePolicy === 'StrictSign') this.wire = { ...this.wire, offload: this.offload() }
    this.routes = new Routes(env.io)
    this.mesh = new TopicSets(this.routes)
    this.fanout = new Fanout(this.routes)
    this.idSeed = env.rng.fork('ids').nextU32() // a fork: the router's own stream is not drawn from
    this.seen = new SeenIds(this.config.seenTtlMs, 1_000_000, this.idSeed, 1024)
    this.mcache = new MessageCache(this.config.mcacheLength, this.config.mcacheGossip, this.idSeed)
    this.history = new TopicHistory(topic => historyBounds(this.config, topic), idKey)
    this.askOnce = this.config.historyMessages > 0 || Object.keys(this.config.historyTopics).length > 0
    this.verifier = this.config.verifier ?? new SignatureVerifier(this.config.signaturePolicy, { decodeKey: this.config.decodeKey })
    if (this.verifier.policy !== this.config.signaturePolicy) throw new UsageError('ERR_CONFIG', `the verifier's policy (${this.verifier.policy}) differs from signaturePolicy (${this.config.signaturePolicy})`)
    this.score = new PeerScore(this.config.score, this.idSeed)
    this.grading = new Grading(env.io, this.score, this.stats, this.promises, this.config)
    this.idSchemes = new IdSchemes(this.config.messageId === undefined && this.config.signaturePolicy === 'StrictSign', this.stats)
    this.direct = new DirectPeers(this.config.directPeers, env.id)
    this.extensions = new Extensions(this.config, { stats: this.stats, send: (p, rpc) => this.send(p, rpc), score: this.score, io: env.io })
    // Sequence numbers start from a random point, as go-libp2p-pubsub does, so a restart does not reuse ids.
    this.seq = (BigInt(env.rng.nextU32()) << 32n) | BigInt(env.rng.nextU32())
  }

  // ---- application ----

  subscribe (now: number, topic: string): void {
    this.checkTopic(topic)
    if (this.subscriptions.has(topic)) return
    this.subscriptions.add(topic)
    this.history.open(topic)
    for (const p of this.peers.keys()) this.send(p, { subscriptions: [{ subscribe: true, topic }], messages: [] })
    // Join: start from the fanout peers, then fill up to D with topic peers.
    const mesh = this.mesh.open(topic)
    for (const p of this.fanout.get(topic) ?? []) {
      if (mesh.size < this.config.D && !this.direct.has(p) && this.score.score(now, p) >= 0) this.addToMesh(now, topic, p, 'fanout')
    }
    this.fanout.forget(topic)
    for (const p of this.graftCandidates(now, topic, this.config.D - mesh.size)) this.addToMesh(now, topic, p, 'random')
    for (const p of mesh) this.sendGraft(p, topic)
  }

  unsubscribe (now: number, topic: string): void {
    if (!this.subscriptions.delete(topic)) return
    this.history.close(topic)
    for (const p of this.peers.keys()) this.send(p, { subscriptions: [{ subscribe: false, topic }], messages: [] })
    for (const p of this.mesh.get(topic) ?? []) {
      this.score.prune(now, p, topic)
      this.sendPrune(now, p, topic, this.config.unsubscribeBackoffMs)
    }
    this.mesh.close(topic)
  }

  isSubscribed (topic: string): boolean {
    return this.subscriptions.has(topic)
  }

  /** The topics we subscribe to. */
  topics (): string[] {
    return [...this.subscriptions]
  }

  /** Read by the metrics at scrape time (src/metrics): the message cache's size, open IWANT promises, each peer's score. */
  gauges (now: number): { mcache: number, promises: number, scores: number[] } {
    return { mcache: this.mcache.size, promises: this.promises.size, scores: [...this.peers.keys()].map(p => this.score.score(now, p)) }
  }

  /** Whether a pubsub stream to `peer` is open. */
  hasPeer (peer: NodeId): boolean {
    return this.peers.has(peer)
  }

  /** Peers known to subscribe to `topic`. */
  peersOf (topic: string): NodeId[] {
    return [...(this.topicPeers.get(topic) ?? [])]
  }

  /** Route messages of `topic` through the application's validator (`validate` events). */
  setValidator (topic: string, on: boolean): void {
    if (on) this.validated.add(topic)
    else this.validated.delete(topic)
  }

  /**
   * The peers a publish to `topic` would go to now, without choosing fanout peers (a superset then): the
   * facade waits for room in their send queues before publishing.
   */
  publishTargets (now: number, topic: string): NodeId[] {
    const direct = this.direct.in(this.topicPeers.get(topic))
    if (this.config.floodPublish || (!this.mesh.has(topic) && this.fanout.get(topic) === undefined)) {
      const min = this.config.floodPublish ? this.config.thresholds.publishThreshold : -Infinity
      return [...(this.topicPeers.get(topic) ?? [])].filter(p => this.direct.has(p) || this.score.score(now, p) >= min)
    }
    return [...new Set([...direct, ...(this.mesh.get(topic) ?? this.fanout.get(topic)!)])]
  }

  /** Publishes `data` to `topic`'s target peers (but those in `routing.skip`); says whom it was queued to and whom not, and why. */
  publish (now: number, topic: string, data: Uint8Array, routing: PublishRouting = {}): PublishResult {
    this.checkTopic(topic)
    const max = this.config.maxMessageSize
    if (data.length > max) throw tooLarge(data.length, data.length, max)
    const msg = this.config.signaturePolicy === 'StrictSign'
      ? signMessage(this.identity!, topic, data, seqnoBytes(this.nextSeqno()))
      : { topic, data } as RPC.Message
    const bytes = messageRpcBytes(msg)
    if (bytes > max) throw tooLarge(data.length, bytes, max)
    const id = this.messageId(msg)
    if (!this.seen.add(now, id)) throw new UsageError('ERR_DUPLICATE', 'this message was already published (StrictNoSign ids come from the content: make the data unique, or give a messageId function)')
    this.stats.published++
    this.mcache.put(id, msg)
    this.history.put(now, id, msg)
    const to = this.publishPeers(now, topic)
    const rpc: RPC = { subscriptions: none(), messages: [msg] } // one object for every recipient: drivers encode it once
    const { recipients, skippedPeers } = queueToTargets(to, routing.skip, p => this.send(p, rpc), this.stats)
    if (this.subscriptions.has(topic)) this.deliver(topic, id, msg, null)
    const result: PublishResult = { id, recipients, skipped: skippedPeers.length, skippedPeers }
    if (to.size === 0) result.reason = 'no-peers-in-topic'
    else if (recipients === 0) result.reason = 'all-peers-skipped'
    return result
  }

  /** The application's verdict on a message it was asked to validate. */
  reportValidation (now: number, key: string, result: ValidationResult): void {
    const p = this.pending.get(key)
    if (p === undefined) return
    this.pending.delete(key)
    this.conclude(now, p.from, p.id, p.msg, result, p.also)
  }

  // ---- driver inputs ----

  start (now: number): void {
    const token = ++this.token
    this.env.io.setTimer(now + this.config.heartbeatMs * (0.5 + this.env.rng.float() * 0.5), { kind: 'heartbeat', token })
    if (this.direct.size > 0) this.env.io.setTimer(now + this.config.directConnectInitialDelayMs, { kind: 'direct-connect', token })
  }

  /** A pubsub stream to `peer` is open: announce our subscriptions, with our extensions on a 1.3 stream. */
  onPeerUp (_now: number, peer: NodeId, link: PeerLink): void {
    if (this.peers.has(peer)) return
    if (this.direct.has(peer)) this.env.io.hold(peer) // whoever dialled: the driver must not hang up on it
    const scored = this.score.addPeer(peer, link.address)
    this.peers.set(peer, { topics: new Set(), outbound: link.outbound, ihaves: 0, asked: 0, dontWant: undefined, scored, spoke: false })
    this.idSchemes.peerUp(peer, link.agent)
    const extensions = this.extensions.onPeerUp(peer, link.protocol)
    const hello: RPC = { subscriptions: [...this.subscriptions].map(topic => ({ subscribe: true, topic })), messages: [] }
    if (extensions !== undefined) hello.control = controlMessage({ extensions })
    this.send(peer, hello)
  }

  onPeerDown (now: number, peer: NodeId): void {
    const st = this.peers.get(peer)
    if (st === undefined) return
    this.peers.delete(peer)
    this.extensions.onPeerDown(peer)
    this.score.removePeer(now, peer)
    for (const t of st.topics) this.topicPeers.get(t)?.delete(peer)
    this.meshEvents.disconnected(this.mesh.drop(peer))
    this.fanout.drop(peer)
    this.routes.forget(peer)
    this.idSchemes.peerDown(peer)
  }

  onMalformed (_now: number, from: NodeId, error: PeerError): void {
    this.grading.malformed(from, error)
  }

  onTimer (now: number, timer: GossipSubTimer): void {
    if (timer.token !== this.token) return
    if (timer.kind === 'heartbeat') {
      this.env.io.setTimer(now + this.config.heartbeatMs, timer)
      this.heartbeat(now)
      return
    }
    if (timer.kind === 'direct-connect') return this.directConnect()
    const p = this.pending.get(timer.key)
    if (p === undefined) return
    this.pending.delete(timer.key)
    this.stats.ignored++
    this.env.io.emit({ type: 'rejected', peer: p.from, reason: 'validation-timeout' })
  }

  onMessage (now: number, from: NodeId, rpc: RPC): void {
    this.countReceived(rpc)
    const st = this.peers.get(from)
    if (st === undefined) {
      this.stats.fromUnknownPeers++ // no stream: the driver announces peers before their RPCs
      return
    }
    if (!st.spoke || rpc.testExtension !== undefined || rpc.control?.extensions !== undefined) {
      st.spoke = true
      this.extensions.onRpc(from, rpc)
    }
    const score = this.score.scoreOf(now, from, st.scored)
    if (score < this.config.thresholds.graylistThreshold && !this.direct.has(from)) {
      this.stats.graylisted++
      return
    }
    for (const s of rpc.subscriptions) this.onSubscription(now, from, st, s.topic!, s.subscribe === true)
    for (const m of rpc.messages) this.onPublished(now, from, m)
    const c = rpc.control
    if (c === undefined) return
    const gossipOk = score >= this.config.thresholds.gossipThreshold
    if (gossipOk && c.ihave.length > 0) this.onIHaves(now, from, st, c.ihave)
    if (gossipOk && c.iwant.length > 0) this.onIWants(from, c.iwant)
    for (const g of c.graft) this.onGraft(now, from, g.topicID!)
    for (const p of c.prune) this.onPrune(now, from, p, score)
    for (const d of c.idontwant) {
      this.stats.idontwantIdsReceived += d.messageIDs.length
      st.dontWant ??= new SeenIds(3 * this.config.heartbeatMs, this.config.maxDontWantPerPeer, this.idSeed)
      for (const id of this.idSchemes.fromPeer(from, d.messageIDs)) st.dontWant.insert(now, id)
    }
  }

  // ---- subscriptions ----

  private onSubscription (now: number, from: NodeId, st: PeerState, topic: string, subscribed: boolean): void {
    if (subscribed) {
      if (st.topics.has(topic) || st.topics.size >= this.config.maxTopicsPerPeer) return
      st.topics.add(topic)
      let set = this.topicPeers.get(topic)
      if (set === undefined) this.topicPeers.set(topic, set = new Set())
      set.add(from)
      this.env.io.emit({ type: 'subscription', peer: from, topic, subscribed })
      // Graft at once while our mesh is short, so the first messages after joining are not lost.
      const mesh = this.mesh.get(topic)
      if (this.config.graftOnSubscribe && mesh !== undefined && mesh.size < this.config.Dlo && !this.direct.has(from) && !this.inBackoff(now, topic, from) && this.score.score(now, from) >= 0) {
        this.addToMesh(now, topic, from, 'subscribed')
        this.sendGraft(from, topic)
        this.offerHistory(now, from, topic)
      }
    } else {
      if (!st.topics.delete(topic)) return
      this.topicPeers.get(topic)?.delete(from)
      this.removeFromMesh(now, topic, from, 'unknown')
      this.fanout.remove(topic, from)
      this.env.io.emit({ type: 'subscription', peer: from, topic, subscribed })
    }
  }

  // ---- messages ----

  private onPublished (now: number, from: NodeId, msg: RPC.Message): void {
    let id: Uint8Array<ArrayBuffer>
    try {
      id = this.messageId(msg)
    } catch {
      this.reject(from, msg.topic, 'bad-from')
      return
    }
    // The id as a string only where a table keyed by strings holds something: most copies are duplicates,
    // looked up by their bytes (the seen cache, the score's delivery records) without making a key.
    let key = this.promises.size > 0 || this.pending.size > 0 ? idKey(id) : undefined
    // With no promise outstanding no peer owes anything, so there is nothing to keep.
    if (key !== undefined && this.promises.size > 0 && this.promises.delivered(key, from) === 'peer') this.stats.promisesKeptUnmatched++
    // Seen first: most copies are duplicates, and a duplicate costs no signature check.
    const waiting = key !== undefined && this.pending.size > 0 ? this.pending.get(key) : undefined
    if (waiting !== undefined || this.seen.has(id)) {
      waiting?.also.add(from)
      this.stats.duplicates++
      this.score.duplicateDelivery(now, from, id)
      return
    }
    const bad = this.verifier.check(msg)
    if (bad !== undefined) return this.reject(from, msg.topic, bad)
    this.seen.add(now, id)
    if (messageRpcBytes(msg) > this.config.maxMessageSize) {
      // Too big for us, not wrong: dropped without penalty, and seen (after its signature check, so nobody
      // can bar a message by sending a big forgery with its id), so gossip never asks for it again.
      return this.grading.tooBig(from)
    }
    this.idSchemes.learnKey(msg.from!, msg.key)
    if ((msg.data?.length ?? 0) >= this.config.idontwantMinBytes) this.sendIDontWant(from, msg.topic, id)
    if (!this.validated.has(msg.topic)) return this.conclude(now, from, id, msg, 'accept', undefined)
    if (this.pending.size >= this.config.maxPendingValidation) {
      this.stats.ignored++
      return
    }
    key ??= idKey(id)
    this.pending.set(key, { msg, from, id, also: new Set() })
    this.env.io.setTimer(now + this.config.validationTimeoutMs, { kind: 'validation', key, token: this.token })
    this.env.io.emit({ type: 'validate', key, id, topic: msg.topic, msg, from })
  }

  private conclude (now: number, from: NodeId, id: Uint8Array<ArrayBuffer>, msg: RPC.Message, result: ValidationResult, also?: ReadonlySet<NodeId>): void {
    if (result === 'reject') return this.reject(from, msg.topic, 'validator')
    if (result === 'ignore') {
      this.stats.ignored++
      return
    }
    this.score.firstDelivery(now, from, msg.topic, id)
    this.mcache.put(id, msg)
    this.history.put(now, id, msg)
    if (this.subscriptions.has(msg.topic)) this.deliver(msg.topic, id, msg, from)
    this.forward(from, id, msg, also)
  }

  private deliver (topic: string, id: Uint8Array<ArrayBuffer>, msg: RPC.Message, source: NodeId | null): void {
    if (source !== null) this.stats.delivered++
    this.env.io.emit({ type: 'message', topic, id, data: msg.data ?? new Uint8Array(0), from: authorOf(msg), propagationSource: source, msg })
  }

  /** Sends a validated message on to the topic's direct peers and mesh, never back to a peer that sent it to us. */
  private forward (from: NodeId, id: Uint8Array, msg: RPC.Message, also?: ReadonlySet<NodeId>): void {
    const routed = this.mesh.get(msg.topic) ?? this.fanout.get(msg.topic) ?? new Set<NodeId>()
    const targets = this.direct.size === 0 ? routed : new Set([...this.direct.in(this.topicPeers.get(msg.topic)), ...routed])
    const rpc: RPC = { subscriptions: none(), messages: [msg] } // one object for every target: drivers encode it once
    let h: number | undefined // the id's hash in the IDONTWANT sets (one seed for all), computed once
    for (const p of targets) {
      if (p === from || also?.has(p) === true) continue
      const dontWant = this.peers.get(p)?.dontWant
      if (dontWant !== undefined && dontWant.size > 0 && dontWant.has(id, h ??= dontWant.hashOf(id))) {
        this.stats.idontwantSkips++
        continue
      }
      this.stats.forwarded++
      if (!this.send(p, rpc)) this.stats.forwardQueueFull++ // dropped and counted: a relay never waits
    }
  }

  private publishPeers (now: number, topic: string): Set<NodeId> {
    // Flood publishing and a subscribed topic's mesh: the targets the facade waited for; else choose fanout peers.
    if (this.config.floodPublish || this.mesh.has(topic)) return new Set(this.publishTargets(now, topic))
    const fanout = this.fanout.forPublish(now, topic, () => this.env.rng.sample(this.routable(topic), this.config.D))
    return new Set([...this.direct.in(this.topicPeers.get(topic)), ...fanout])
  }

  private reject (from: NodeId, topic: string, reason: Rejection | 'validator'): void {
    this.grading.rejected(from, topic, reason)
  }

  // ---- gossip: IHAVE / IWANT / IDONTWANT ----

  /** IHAVEs from `from`: ask (IWANT) for what we have not seen, within the per-heartbeat limits, and note the promises. */
  private onIHaves (now: number, from: NodeId, st: PeerState, ihaves: readonly RPC.ControlIHave[]): void {
    const { iwant, keys } = wanted(ihaves, st, this.config, {
      subscribed: topic => this.subscriptions.has(topic),
      canonical: ids => this.idSchemes.fromPeer(from, ids),
      // With a history configured, an id already asked of another peer is not asked again while that
      // promise runs (rust-libp2p's rule): the peers of a new mesh all offer the same history at once.
      known: id => this.seen.has(id) || (this.pending.size > 0 && this.pending.has(idKey(id))) || (this.askOnce && this.promises.has(idKey(id))),
      key: idKey
    })
    if (iwant.length === 0) return
    this.promises.expect(keys, from, now + this.config.iwantFollowupMs)
    this.stats.iwantSent++
    this.send(from, controlRpc({ iwant: [{ messageIDs: iwant }] }))
  }

  /** IWANTs from `from`: send what the message cache still holds, at most `gossipRetransmission` times each. */
  private onIWants (from: NodeId, iwants: readonly RPC.ControlIWant[]): void {
    const served: RPC.Message[] = []
    for (const iw of iwants) {
      for (const id of this.idSchemes.fromPeer(from, iw.messageIDs)) {
        let m = this.mcache.getForIwant(id, from, this.config.gossipRetransmission)
        if (m === undefined && this.history.size > 0 && !this.mcache.has(id)) {
          m = this.history.getForIwant(id, from, this.config.gossipRetransmission)
          if (m !== undefined) this.stats.historyServed++
        }
        if (m !== undefined) served.push(m)
      }
    }
    if (served.length === 0) return
    this.stats.iwantServed += served.length
    this.send(from, { subscriptions: none(), messages: served })
  }

  private sendIDontWant (from: NodeId, topic: string, id: Uint8Array<ArrayBuffer>): void {
    const canonical = [id]
    let shared: RPC | undefined // one object for the peers that take canonical ids: drivers encode it once
    for (const p of this.mesh.get(topic) ?? []) {
      if (p === from) continue
      this.stats.idontwantSent++
      const ids = this.idSchemes.toPeer(p, canonical)
      this.send(p, ids === canonical ? (shared ??= controlRpc({ idontwant: [{ messageIDs: canonical }] })) : controlRpc({ idontwant: [{ messageIDs: [...ids] }] }))
    }
  }

  // ---- mesh control: GRAFT / PRUNE ----

  private onGraft (now: number, from: NodeId, topic: string): void {
    if (!this.mesh.has(topic)) {
      // Not subscribed: refuse, without peer exchange.
      this.sendPrune(now, from, topic, this.config.pruneBackoffMs, false)
      return
    }
    if (this.mesh.get(topic)!.has(from)) return
    if (this.direct.has(from)) {
      // A GRAFT from a direct peer is an error (v1.1 "Explicit Peering Agreements"), likely a one-sided
      // agreement: reported (no score penalty, as go-libp2p-pubsub and @libp2p/gossipsub do) and PRUNEd, without PX.
      this.env.io.report(from, 'penalise', 'graft from a direct peer')
      this.sendPrune(now, from, topic, this.config.pruneBackoffMs, false)
      return
    }
    const until = this.backoff.active(now, topic, from)
    if (until !== undefined) {
      // A GRAFT during our backoff breaks the protocol (v1.1 "Prune Backoff"): a behaviour penalty (P7), a
      // second one if it came within the flood threshold of the PRUNE, and PRUNE again. Implementations
      // time backoffs differently, so an early GRAFT is no reason to hang up.
      const flood = now < until - this.config.pruneBackoffMs + this.config.graftFloodThresholdMs
      this.score.addPenalty(from, flood ? 2 : 1)
      this.env.io.report(from, 'penalise', flood ? 'graft flood during backoff' : 'graft during backoff')
      this.sendPrune(now, from, topic, this.config.pruneBackoffMs, false)
      return
    }
    if (this.score.score(now, from) < 0) {
      this.sendPrune(now, from, topic, this.config.pruneBackoffMs, false)
      return
    }
    // Unlike go-libp2p-pubsub we accept a graft into a full mesh: the heartbeat then trims it to D, which
    // measured leaner meshes (mean degree 7.3 vs 7.7 at 300 nodes) than refusing grafts at D_hi.
    this.addToMesh(now, topic, from, 'subscribed')
    this.offerHistory(now, from, topic)
  }

  /** A peer joined our mesh for `topic`: one IHAVE of the topic's history (./history.ts), if it keeps one. */
  private offerHistory (now: number, peer: NodeId, topic: string): void {
    if (!this.history.has(topic) || this.score.score(now, peer) < this.config.thresholds.gossipThreshold) return
    const ids = this.history.ids(now, topic, this.config.maxIHaveLength)
    if (ids.length === 0) return
    this.stats.historyIHaves++
    this.stats.ihaveSent++
    this.send(peer, controlRpc({ ihave: [{ topicID: topic, messageIDs: [...this.idSchemes.toPeer(peer, ids)] }] }))
  }

  private onPrune (now: number, from: NodeId, p: RPC.ControlPrune, score: number): void {
    const topic = p.topicID!
    this.removeFromMesh(now, topic, from, 'prune')
    const backoffMs = p.backoff !== undefined && p.backoff > 0 ? p.backoff * 1000 : this.config.pruneBackoffMs
    this.backoff.set(now, topic, from, backoffMs)
    if (this.config.doPX && p.peers.length > 0 && score >= this.config.thresholds.acceptPXThreshold) {
      for (const id of peersToDial(p.peers, this.config.D, this.env.rng, id => this.peers.has(id) || id === this.env.id)) this.env.io.connect(id)
    }
  }

  private sendGraft (peer: NodeId, topic: string): void {
    this.stats.graftsSent++
    this.send(peer, controlRpc({ graft: [{ topicID: topic }] }))
  }

  private sendPrune (now: number, peer: NodeId, topic: string, backoffMs: number, px = this.config.doPX): void {
    this.stats.prunesSent++
    this.backoff.set(now, topic, peer, backoffMs)
    const peers = px ? offerPeers(this.routable(topic).filter(p => p !== peer), this.config.D, this.env.rng) : []
    this.send(peer, controlRpc({ prune: [{ topicID: topic, peers, backoff: Math.ceil(backoffMs / 1000) }] }))
  }

  // ---- heartbeat ----

  /** The heartbeat's phases, in the spec's order; control messages of one heartbeat go out as one RPC per peer. */
  private heartbeat (now: number): void {
    this.heartbeats++
    if (this.heartbeats % this.config.directConnectTicks === 0) this.directConnect()
    const ctl = new HeartbeatControl()
    this.maintainMeshes(now, ctl)
    this.fanout.maintain(now, this.config.fanoutTtlMs, this.config.D, (t, p) => this.topicPeers.get(t)?.has(p) === true,
      (t, f, n) => this.env.rng.sample(this.routable(t).filter(p => !f.has(p)), n))
    emitGossip(new Set([...this.mesh.keys(), ...this.fanout.keys()]), {
      ids: topic => this.mcache.gossipIds(topic),
      routed: topic => this.mesh.get(topic) ?? this.fanout.get(topic)!,
      topicPeers: topic => this.topicPeers.get(topic) ?? [],
      gossipOk: p => !this.direct.has(p) && this.score.score(now, p) >= this.config.thresholds.gossipThreshold,
      ihave: (p, entry) => {
        const ids = this.idSchemes.toPeer(p, entry.messageIDs)
        ctl.ihave(p, ids === entry.messageIDs ? entry : { topicID: entry.topicID, messageIDs: [...ids] })
      }
    }, this.config, this.env.rng)
    this.sendHeartbeatControl(now, ctl)
    this.resetPeerCounters(now)
    this.backoff.expire(now)
    this.grading.brokenPromises(now)
    this.mcache.shift()
    this.history.expire(now)
    this.seen.expire(now)
    this.score.decay(now)
  }

  /** Mesh maintenance for every subscribed topic (the rules are in ./mesh.ts). */
  private maintainMeshes (now: number, ctl: HeartbeatControl): void {
    const scoreOf = (p: NodeId): number => this.score.score(now, p)
    const params: MeshParams = {
      D: this.config.D,
      Dlo: this.config.Dlo,
      Dhi: this.config.Dhi,
      Dscore: this.config.Dscore,
      Dout: this.config.Dout,
      opportunistic: this.heartbeats % this.config.opportunisticGraftTicks === 0,
      opportunisticGraftThreshold: this.config.thresholds.opportunisticGraftThreshold,
      opportunisticGraftPeers: this.config.opportunisticGraftPeers
    }
    for (const [topic, mesh] of this.mesh.entries()) {
      maintainMesh({
        mesh,
        inTopic: p => this.topicPeers.get(topic)?.has(p) === true,
        score: scoreOf,
        outbound: p => this.peers.get(p)?.outbound === true,
        candidates: n => this.graftCandidates(now, topic, n),
        graft: (p, why) => {
          this.addToMesh(now, topic, p, why)
          ctl.graft(p, topic)
        },
        prune: (p, why) => {
          this.removeFromMesh(now, topic, p, why)
          ctl.prune(p, topic)
        },
        drop: p => this.removeFromMesh(now, topic, p, 'unknown')
      }, params, this.env.rng)
    }
  }

  private sendHeartbeatControl (now: number, ctl: HeartbeatControl): void {
    for (const [p, c] of ctl.messages(Math.ceil(this.config.pruneBackoffMs / 1000))) {
      for (const pr of c.prune) this.backoff.set(now, pr.topicID!, p, this.config.pruneBackoffMs)
      this.stats.graftsSent += c.graft.length
      this.stats.prunesSent += c.prune.length
      this.stats.ihaveSent += c.ihave.length
      this.send(p, { subscriptions: none(), messages: none(), control: c })
    }
  }

  private resetPeerCounters (now: number): void {
    for (const st of this.peers.values()) {
      st.ihaves = 0
      st.asked = 0
      // IDONTWANT entries matter only while the message may still arrive: a few heartbeats. A set left
      // empty is let go (a peer that left our mesh sends none; the set kept its largest arrays).
      st.dontWant?.expire(now)
      if (st.dontWant?.size === 0) st.dontWant = undefined
    }
  }

  // ---- mesh membership and backoff ----

  private graftCandidates (now: number, topic: string, n: number): NodeId[] {
    if (n <= 0) return []
    const mesh = this.mesh.get(topic)
    const candidates = this.routable(topic).filter(p => mesh?.has(p) !== true && !this.inBackoff(now, topic, p) && this.score.score(now, p) >= 0)
    return n >= candidates.length ? this.env.rng.shuffle(candidates) : this.env.rng.sample(candidates, n)
  }

  private addToMesh (now: number, topic: string, peer: NodeId, why: InclusionReason): void {
    if (!this.mesh.add(topic, peer)) return
    this.score.graft(now, peer, topic)
    this.meshEvents.include(topic, why)
  }

  private removeFromMesh (now: number, topic: string, peer: NodeId, why: ChurnReason): void {
    if (!this.mesh.remove(topic, peer)) return
    this.score.prune(now, peer, topic)
    this.meshEvents.churn(topic, why)
  }

  /** The topic's peers but the direct ones: those a mesh, a fanout or a peer exchange may choose. */
  private routable (topic: string): NodeId[] {
    return [...(this.topicPeers.get(topic) ?? [])].filter(p => !this.direct.has(p))
  }

  /** Dials the direct peers we have no stream to (v1.1: connections are checked and restored periodically). */
  private directConnect (): void {
    this.direct.connect(p => this.peers.has(p), p => this.env.io.connect(p))
  }

  private inBackoff (now: number, topic: string, peer: NodeId): boolean {
    return this.backoff.active(now, topic, peer) !== undefined
  }

  // ---- helpers ----

  /** False when the driver refused it (the peer's queue is full): counted, and the caller counts by kind. */
  private send (peer: NodeId, rpc: RPC): boolean {
    if (isEmptyRpc(rpc)) return true
    if (this.env.io.send(peer, rpc) === false) {
      this.stats.sendRefused++
      return false
    }
    this.stats.rpcsSent++
    this.stats.subscriptionsSent += rpc.subscriptions.length
    this.stats.messagesSent += rpc.messages.length
    return true
  }

  /** An RPC and its parts, counted before anything is dropped (as @libp2p/gossipsub counts them). */
  private countReceived (rpc: RPC): void {
    const s = this.stats
    s.rpcsReceived++
    s.subscriptionsReceived += rpc.subscriptions.length
    s.messagesReceived += rpc.messages.length
    const c = rpc.control
    if (c === undefined) return
    s.controlReceived++
    s.ihavesReceived += c.ihave.length
    s.iwantsReceived += c.iwant.length
    s.graftsReceived += c.graft.length
    s.prunesReceived += c.prune.length
  }

  private messageId (msg: RPC.Message): Uint8Array<ArrayBuffer> {
    if (this.offloading) {
      const known = this.ids.get(msg)
      if (known !== undefined) return known
    }
    return this.config.messageId !== undefined ? this.config.messageId(msg) : defaultMessageId(this.config.signaturePolicy, msg)
  }

  /**
   * Signature checks a driver may make off the event loop (src/core/protocol.ts SignatureOffload): one per
   * message not seen yet; the id computed for it is kept for onPublished, so it is computed once.
   */
  private offload (): SignatureOffload<RPC> {
    return {
      checksOf: (_from: NodeId, rpc: RPC): SignatureCheck[] => {
        const checks: SignatureCheck[] = []
        for (const m of rpc.messages) {
          let id: Uint8Array<ArrayBuffer>
          try {
            id = this.messageId(m)
          } catch {
            continue // onPublished rejects it
          }
          if (this.seen.has(id) || (this.pending.size > 0 && this.pending.has(idKey(id)))) continue
          const check = this.verifier.checkOf(m)
          if (check === undefined) continue
          this.ids.set(m, id)
          this.offloading = true
          checks.push(check)
        }
        return checks
      },
      settle: (check: SignatureCheck, ok: boolean): void => {
        this.verifier.give(check.subject as RPC.Message, ok)
      }
    }
  }

  /** IWANT promises outstanding. */
  get promisesPending (): number {
    return this.promises.size
  }

  private nextSeqno (): bigint {
    this.seq = (this.seq + 1n) & 0xffffffffffffffffn
    return this.seq
  }

  private checkTopic (topic: string): void {
    if (typeof topic !== 'string' || topic === '') throw new UsageError('ERR_TOPIC', 'topic must be a non-empty string')
    if (utf8Length(topic) > this.config.limits.maxTopicBytes) throw new UsageError('ERR_TOPIC', `topic is longer than maxTopicBytes (${this.config.limits.maxTopicBytes})`)
  }
}
