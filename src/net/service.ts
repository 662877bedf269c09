/**
 * GossipSub as a js-libp2p service: `createLibp2p({ services: { pubsub: gossipsub(init) } })`, with the
 * surface of @libp2p/gossipsub 17's `GossipSub` (subscribe, publish, topicValidators, asynchronous
 * validation, its events and option names), running grapevine's sans-IO router (src/gossipsub) under the
 * network driver (./driver.ts) — one driver hosting one core, on the components the host gives its services:
 * the registrar (stream handlers for /meshsub/1.3.0 … 1.0.0), the connection manager (dials, hang-ups,
 * connections), the peer store, the node's events (identify, disconnect) and its private key (StrictSign).
 *
 * Differences from @libp2p/gossipsub (README, "Using grapevine from js-libp2p"): no floodsub fallback,
 * `appSpecificScore` read once per heartbeat rather than at each score computation, `msgIdFn` must be
 * synchronous; unsupported options throw a UsageError naming them.
 */
import type { Connection, PeerId, PeerStore, PrivateKey, PublicKey, StreamHandler, StreamHandlerOptions, Topology } from '@libp2p/interface'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from '../core/errors.js'
import { identityFromSeed } from '../core/identity.js'
import type { NodeId } from '../core/protocol.js'
import { GossipSub as Router, type GossipSubConfig, type GossipSubEvent, type GossipSubTimer } from '../gossipsub/gossipsub.js'
import type { PeerScoreThresholds } from '../gossipsub/score.js'
import { authorOf } from '../gossipsub/signing.js'
import type { RPC } from '../wire/rpc.js'
import { NetDriver, type DriverHost } from './driver.js'
import { scoreConfig, type ScoreParamsInit } from './service-score.js'
import { acquireVerifyPool, defaultVerifyWorkers, releaseVerifyPool } from './verify-pool.js'

export enum TopicValidatorResult { Accept = 'accept', Ignore = 'ignore', Reject = 'reject' }
export type SignaturePolicy = 'StrictSign' | 'StrictNoSign'

export interface SignedMessage { type: 'signed', from: PeerId, topic: string, data: Uint8Array, sequenceNumber: bigint, signature: Uint8Array, key: PublicKey }
export interface UnsignedMessage { type: 'unsigned', topic: string, data: Uint8Array }
export type Message = SignedMessage | UnsignedMessage
export interface PublishResult { recipients: PeerId[] }
export interface SubscriptionChangeData { peerId: PeerId, subscriptions: Array<{ topic: string, subscribe: boolean }> }
export type TopicValidatorFn = (peer: PeerId, message: Message) => TopicValidatorResult | Promise<TopicValidatorResult>
export interface GossipsubMessage { propagationSource: PeerId, msgId: string, msg: Message }
export interface MeshPeer { peerId: string, topic: string, direction: 'inbound' | 'outbound' }

/** The events, as @libp2p/gossipsub names them. */
export interface GossipSubEvents {
  'subscription-change': CustomEvent<SubscriptionChangeData>
  message: CustomEvent<Message>
  'gossipsub:message': CustomEvent<GossipsubMessage>
  'gossipsub:heartbeat': CustomEvent
  'gossipsub:graft': CustomEvent<MeshPeer>
  'gossipsub:prune': CustomEvent<MeshPeer>
}

type Listener = Parameters<EventTarget['addEventListener']>[1]
type ListenerOptions = Parameters<EventTarget['addEventListener']>[2]

/** Options under @libp2p/gossipsub's names (times in milliseconds, as there). */
export interface GossipsubInit {
  D: number
  Dlo: number
  Dhi: number
  Dlazy: number
  Dout: number
  Dscore: number
  heartbeatInterval: number
  fanoutTTL: number
  mcacheLength: number
  mcacheGossip: number
  seenTTL: number
  gossipFactor: number
  pruneBackoff: number
  unsubcribeBackoff: number
  graftFloodThreshold: number
  opportunisticGraftTicks: number
  opportunisticGraftPeers: number
  gossipsubIWantFollowupMs: number
  idontwantMinDataSize: number
  floodPublish: boolean
  doPX: boolean
  emitSelf: boolean
  allowPublishToZeroTopicPeers: boolean
  asyncValidation: boolean
  globalSignaturePolicy: SignaturePolicy
  scoreParams: Partial<ScoreParamsInit>
  scoreThresholds: Partial<PeerScoreThresholds>
  protocols: string[]
  /** Message ids from the message as applications see it; must return synchronously (not a Promise). */
  msgIdFn: (msg: Message) => Uint8Array
  /** Accepted and not used: the router looks a message's id up before anything costly (see README). */
  fastMsgIdFn: unknown
  /** Not supported: grapevine speaks no floodsub. Only `false` is accepted. */
  fallbackToFloodsub: boolean
  /** Explicit peering agreements (v1.1): peers always sent every message of their topics, never meshed, kept connected. */
  directPeers: AddrInfo[]
  /** Every this many heartbeats, dial the direct peers we are not connected to (default 300). */
  directConnectTicks: number
  /**
   * grapevine's own: worker threads verifying signatures (StrictSign) off the event loop, shared by the
   * services of this process (default: the machine's cores less one, at most 4; 0: on the event loop).
   */
  verifyWorkers: number
  /**
   * grapevine's own: a per-topic history offered (IHAVE) to peers joining the mesh, for late subscribers
   * (see the router's `historyMessages`): most messages per topic (default 0: off), payload bytes (default
   * 1 MiB), age in ms (default 120 000), and per-topic overrides.
   */
  historyMessages: number
  historyBytes: number
  historyMs: number
  historyTopics: Record<string, { messages?: number, bytes?: number, ms?: number }>
}

/** A direct peer: its id and the addresses to dial it at (added to the peer store on start). */
export interface AddrInfo { id: PeerId, addrs: Multiaddr[] }

/** The components libp2p gives a service (the parts used here). */
export interface GossipSubComponents {
  peerId: PeerId
  privateKey: PrivateKey
  peerStore: PeerStore
  registrar: {
    handle: (protocol: string, handler: StreamHandler, options?: StreamHandlerOptions) => Promise<void>
    unhandle: (protocol: string) => Promise<void>
    register: (protocol: string, topology: Topology) => Promise<string>
    unregister: (id: string) => void
  }
  connectionManager: {
    getConnections: (peerId?: PeerId) => Connection[]
    openConnection: (peer: PeerId, options?: { signal?: AbortSignal }) => Promise<Connection>
    closeConnections: (peer: PeerId) => Promise<void>
  }
  events: EventTarget
}

/** Maps @libp2p/gossipsub's options onto the router's settings, throwing on those grapevine does not support. */
export function routerConfig (init: Partial<GossipsubInit>): Partial<GossipSubConfig> {
  if (init.fallbackToFloodsub === true) throw new UsageError('ERR_CONFIG', 'fallbackToFloodsub is not supported by grapevine (it speaks only /meshsub): set it to false')
  const c: Partial<GossipSubConfig> = {}
  if (init.directPeers !== undefined) c.directPeers = init.directPeers.map(p => p.id.toString())
  if (init.directConnectTicks !== undefined) c.directConnectTicks = init.directConnectTicks
  const put = <K extends keyof GossipSubConfig>(k: K, v: GossipSubConfig[K] | undefined): void => { if (v !== undefined) c[k] = v }
  put('D', init.D); put('Dlo', init.Dlo); put('Dhi', init.Dhi); put('Dlazy', init.Dlazy); put('Dout', init.Dout); put('Dscore', init.Dscore)
  put('heartbeatMs', init.heartbeatInterval); put('fanoutTtlMs', init.fanoutTTL); put('mcacheLength', init.mcacheLength)
  put('mcacheGossip', init.mcacheGossip); put('seenTtlMs', init.seenTTL); put('gossipFactor', init.gossipFactor)
  put('pruneBackoffMs', init.pruneBackoff); put('unsubscribeBackoffMs', init.unsubcribeBackoff); put('graftFloodThresholdMs', init.graftFloodThreshold)
  put('opportunisticGraftTicks', init.opportunisticGraftTicks); put('opportunisticGraftPeers', init.opportunisticGraftPeers)
  put('iwantFollowupMs', init.gossipsubIWantFollowupMs); put('idontwantMinBytes', init.idontwantMinDataSize)
  put('historyMessages', init.historyMessages); put('historyBytes', init.historyBytes); put('historyMs', init.historyMs); put('historyTopics', init.historyTopics)
  put('floodPublish', init.floodPublish); put('doPX', init.doPX); put('signaturePolicy', init.globalSignaturePolicy); put('protocols', init.protocols)
  c.thresholds = { ...JS_THRESHOLDS, ...init.scoreThresholds }
  c.score = scoreConfig(init.scoreParams ?? {})
  if (init.msgIdFn !== undefined) c.messageId = messageIdOf(init.msgIdFn)
  return c
}

const JS_THRESHOLDS: PeerScoreThresholds = { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: -80, acceptPXThreshold: 10, opportunisticGraftThreshold: 20 }

const SYNC_MSG_ID = 'grapevine needs a synchronous msgIdFn (its router computes ids inside its message handling): ' +
  'return the id itself, e.g. msg => createHash(\'sha256\').update(msg.data).digest().subarray(0, 20) with node:crypto, not a Promise'

/**
 * The router's message-id function for an application's `msgIdFn`: the router's message in the shape the
 * application knows, the id copied into a plain array. Ids are then the application's own, so the router
 * translates none between id schemes (msgid.ts is off when a messageId is given). An async function is
 * refused here; a plain one that returns a Promise throws on its first use (publish says so).
 */
function messageIdOf (fn: (msg: Message) => Uint8Array | Promise<Uint8Array>): (msg: RPC.Message) => Uint8Array<ArrayBuffer> {
  if (typeof fn !== 'function') throw new UsageError('ERR_CONFIG', 'msgIdFn must be a function (msg: Message) => Uint8Array')
  if (fn.constructor.name === 'AsyncFunction') throw new UsageError('ERR_CONFIG', SYNC_MSG_ID)
  return (msg: RPC.Message) => {
    const id = fn(toMessage(msg))
    if (!(id instanceof Uint8Array)) {
      if (id instanceof Promise) id.catch(() => {})
      throw new UsageError('ERR_CONFIG', SYNC_MSG_ID)
    }
    return new Uint8Array(id)
  }
}

/** The router with the events @libp2p/gossipsub has and the core does not need: heartbeats, GRAFTs and PRUNEs received. */
class ServiceRouter extends Router {
  onEvents: { heartbeat: () => void, control: (peer: NodeId, rpc: RPC, direction: 'inbound' | 'outbound') => void } = { heartbeat: () => {}, control: () => {} }
  /** Runs just before each heartbeat (the application's scores are read then). */
  beforeHeartbeat: (now: number) => void = () => {}

  override onTimer (now: number, timer: GossipSubTimer): void {
    if (timer.kind === 'heartbeat') this.beforeHeartbeat(now)
    super.onTimer(now, timer)
    if (timer.kind === 'heartbeat') this.onEvents.heartbeat()
  }

  override onMessage (now: number, from: NodeId, rpc: RPC): void {
    super.onMessage(now, from, rpc)
    if (rpc.control !== undefined) this.onEvents.control(from, rpc, 'inbound')
  }
}

export class GrapevineGossipSub extends EventTarget {
  readonly [Symbol.toStringTag] = '@libp2p/gossipsub'
  readonly globalSignaturePolicy: SignaturePolicy
  readonly protocols: string[]
  readonly topicValidators: Map<string, TopicValidatorFn>
  readonly router: ServiceRouter
  readonly driver: NetDriver
  private readonly emitSelf: boolean
  private readonly allowZero: boolean
  private readonly asyncValidation: boolean
  private readonly appSpecificScore: ((peerId: string) => number) | undefined
  /** Peers a message was queued to during the publish in progress. */
  private capture: NodeId[] | null = null
  private started = false
  private readonly topologies: string[] = []
  private readonly directPeers: AddrInfo[]
  private readonly verifyWorkers: number

  constructor (private readonly components: GossipSubComponents, init: Partial<GossipsubInit> = {}) {
    super()
    this.directPeers = init.directPeers ?? []
    const config = routerConfig(init)
    this.emitSelf = init.emitSelf ?? false
    this.allowZero = init.allowPublishToZeroTopicPeers ?? false
    this.asyncValidation = init.asyncValidation ?? false
    this.verifyWorkers = init.verifyWorkers ?? defaultVerifyWorkers()
    if (!(Number.isInteger(this.verifyWorkers) && this.verifyWorkers >= 0 && this.verifyWorkers <= 64)) {
      throw new UsageError('ERR_CONFIG', `verifyWorkers is a whole number of threads from 0 (verify on the event loop) to 64 (got ${String(init.verifyWorkers)})`)
    }
    this.appSpecificScore = init.scoreParams?.appSpecificScore
    this.driver = new NetDriver(hostOf(components))
    const env = this.driver.env<RPC, GossipSubTimer, GossipSubEvent>('gossipsub', { event: e => this.onRouterEvent(e) })
    const send = env.io.send
    const io = {
      ...env.io,
      send: (to: NodeId, rpc: RPC): boolean => {
        const ok = send(to, rpc) !== false
        if (ok) {
          if (this.capture !== null && rpc.messages.length > 0) this.capture.push(to)
          if (rpc.control !== undefined) this.controlEvents(to, rpc, 'outbound')
        }
        return ok
      }
    }
    const policy = config.signaturePolicy ?? 'StrictSign'
    let identity = null
    if (policy === 'StrictSign') {
      const key = components.privateKey
      if (key.type !== 'Ed25519') throw new UsageError('ERR_CONFIG', `StrictSign in grapevine's service needs an Ed25519 node key (this node has ${key.type}); use an Ed25519 key or globalSignaturePolicy StrictNoSign`)
      identity = identityFromSeed(key.raw.subarray(0, 32))
    }
    this.router = new ServiceRouter({ ...env, io }, identity, config)
    this.router.onEvents = { heartbeat: () => this.dispatchEvent(new CustomEvent('gossipsub:heartbeat')), control: (p, rpc, d) => this.controlEvents(p, rpc, d) }
    this.router.beforeHeartbeat = () => { this.refreshAppScores() }
    this.globalSignaturePolicy = this.router.config.signaturePolicy
    this.protocols = [...this.router.config.protocols]
    const router = this.router
    const asyncValidation = this.asyncValidation
    this.topicValidators = new (class extends Map<string, TopicValidatorFn> {
      override set (topic: string, fn: TopicValidatorFn): this {
        super.set(topic, fn)
        router.setValidator(topic, true)
        return this
      }

      override delete (topic: string): boolean {
        if (!asyncValidation) router.setValidator(topic, false)
        return super.delete(topic)
      }
    })()
  }

  override addEventListener<K extends keyof GossipSubEvents> (type: K, listener: ((evt: GossipSubEvents[K]) => void) | null, options?: ListenerOptions): void
  override addEventListener (type: string, listener: Listener, options?: ListenerOptions): void
  override addEventListener (type: string, listener: unknown, options?: ListenerOptions): void {
    super.addEventListener(type, listener as Listener, options)
  }

  override removeEventListener<K extends keyof GossipSubEvents> (type: K, listener: ((evt: GossipSubEvents[K]) => void) | null, options?: ListenerOptions): void
  override removeEventListener (type: string, listener: Listener, options?: ListenerOptions): void
  override removeEventListener (type: string, listener: unknown, options?: ListenerOptions): void {
    super.removeEventListener(type, listener as Listener, options)
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    // The direct peers' addresses, for the router's dials (after directConnectInitialDelayMs, then while down).
    for (const p of this.directPeers) await this.components.peerStore.merge(p.id, { multiaddrs: p.addrs })
    const workers = this.globalSignaturePolicy === 'StrictSign' ? this.verifyWorkers : 0
    if (workers > 0) this.driver.verifyPool = acquireVerifyPool(workers)
    await this.driver.host([this.router])
    // The registrar tells us of peers that speak meshsub once identify has run (the driver also listens to
    // identify itself, as under createNode; either way a peer is announced once, with the newest version).
    for (const protocol of this.protocols) {
      this.topologies.push(await this.components.registrar.register(protocol, { onConnect: (_peer, conn) => { void this.driver.announceExisting(conn) } }))
    }
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const id of this.topologies.splice(0)) this.components.registrar.unregister(id)
    await this.driver.stop()
    const pool = this.driver.verifyPool
    this.driver.verifyPool = undefined
    if (pool !== undefined) await releaseVerifyPool(pool)
  }

  isStarted (): boolean {
    return this.started
  }

  subscribe (topic: string): void {
    if (this.asyncValidation) this.router.setValidator(topic, true)
    this.router.subscribe(this.driver.now(), topic)
  }

  unsubscribe (topic: string): void {
    this.router.unsubscribe(this.driver.now(), topic)
  }

  getTopics (): string[] {
    return this.router.topics()
  }

  getPeers (): PeerId[] {
    return this.driver.peersOf('gossipsub').map(p => peerIdFromString(p))
  }

  getSubscribers (topic: string): PeerId[] {
    return this.router.peersOf(topic).map(p => peerIdFromString(p))
  }

  getMeshPeers (topic: string): string[] {
    return [...(this.router.mesh.get(topic) ?? [])]
  }

  /** Each connected peer's score (the router's total; @libp2p/gossipsub gives its parts too). */
  dumpPeerScoreStats (): Record<string, { score: number }> {
    const now = this.driver.now()
    const out: Record<string, { score: number }> = {}
    for (const p of this.driver.peersOf('gossipsub')) out[p] = { score: this.router.score.score(now, p) }
    return out
  }

  /** A peer's score, as @libp2p/gossipsub's `getScore` (0 for a peer without a score record). */
  getScore (peerId: string): number {
    return this.router.score.score(this.driver.now(), peerId)
  }

  async publish (topic: string, data: Uint8Array = new Uint8Array(0)): Promise<PublishResult> {
    if (!this.started) throw new Error('PublishError.Uninitialized')
    const self = this.emitSelf && this.router.isSubscribed(topic)
    if (!this.allowZero && !self && this.router.publishTargets(this.driver.now(), topic).length === 0) throw new Error('PublishError.NoPeersSubscribedToTopic')
    const to: NodeId[] = []
    this.capture = to
    try {
      this.router.publish(this.driver.now(), topic, data)
    } finally {
      this.capture = null
    }
    const recipients = to.map(p => peerIdFromString(p))
    if (self) recipients.push(this.components.peerId)
    return { recipients }
  }

  /** With asyncValidation: the application's verdict on a message it got in a 'gossipsub:message' event. */
  reportMessageValidationResult (msgId: string, _propagationSource: string, acceptance: TopicValidatorResult): void {
    this.router.reportValidation(this.driver.now(), Buffer.from(msgId, 'base64').toString('latin1'), acceptance)
  }

  /**
   * P5: the application's score of each connected pubsub peer, read once per heartbeat (@libp2p/gossipsub
   * calls it whenever it recomputes a score). The peers are the driver's, so as many calls as connections;
   * a throw or a non-finite value keeps the peer's previous value.
   */
  private refreshAppScores (): void {
    const fn = this.appSpecificScore
    if (fn === undefined) return
    for (const p of this.driver.peersOf('gossipsub')) {
      let v: number
      try {
        v = fn(p)
      } catch {
        continue
      }
      if (Number.isFinite(v)) this.router.score.setAppScore(p, v)
    }
  }

  private onRouterEvent (e: GossipSubEvent): void {
    switch (e.type) {
      case 'message': {
        if (e.propagationSource === null && !this.emitSelf) return
        if (this.asyncValidation && e.propagationSource !== null) return // told at validation time
        const source = e.propagationSource === null ? this.components.peerId : peerIdFromString(e.propagationSource)
        this.deliver(e.msg, e.id, source)
        return
      }
      case 'subscription':
        this.dispatchEvent(new CustomEvent('subscription-change', { detail: { peerId: peerIdFromString(e.peer), subscriptions: [{ topic: e.topic, subscribe: e.subscribed }] } }))
        return
      case 'validate':
        void this.validate(e.key, e.id, e.msg, e.from)
    }
  }

  private async validate (key: string, id: Uint8Array, msg: RPC.Message, from: NodeId): Promise<void> {
    const source = peerIdFromString(from)
    const fn = this.topicValidators.get(msg.topic)
    let verdict = TopicValidatorResult.Accept
    if (fn !== undefined) {
      try {
        verdict = await fn(source, toMessage(msg))
      } catch {
        verdict = TopicValidatorResult.Reject
      }
    }
    if (verdict !== TopicValidatorResult.Accept || !this.asyncValidation) {
      this.router.reportValidation(this.driver.now(), key, verdict)
      return
    }
    // Asynchronous validation: the application sees the message now and reports on it later.
    if (this.router.isSubscribed(msg.topic)) this.deliver(msg, id, source)
  }

  private deliver (msg: RPC.Message, id: Uint8Array, source: PeerId): void {
    const m = toMessage(msg)
    this.dispatchEvent(new CustomEvent('gossipsub:message', { detail: { propagationSource: source, msgId: msgIdString(id), msg: m } }))
    this.dispatchEvent(new CustomEvent('message', { detail: m }))
  }

  private controlEvents (peer: NodeId, rpc: RPC, direction: 'inbound' | 'outbound'): void {
    for (const g of rpc.control?.graft ?? []) {
      if (g.topicID === undefined) continue
      if (direction === 'inbound' && this.router.mesh.get(g.topicID)?.has(peer) !== true) continue // refused
      this.dispatchEvent(new CustomEvent('gossipsub:graft', { detail: { peerId: peer, topic: g.topicID, direction } }))
    }
    for (const p of rpc.control?.prune ?? []) {
      if (p.topicID !== undefined) this.dispatchEvent(new CustomEvent('gossipsub:prune', { detail: { peerId: peer, topic: p.topicID, direction } }))
    }
  }
}

/** A message id as @libp2p/gossipsub writes it for applications: base64 without padding. */
const msgIdString = (id: Uint8Array): string => Buffer.from(id).toString('base64').replace(/=+$/, '')

/** A message as @libp2p/gossipsub gives it to applications. */
function toMessage (msg: RPC.Message): Message {
  const data = msg.data ?? new Uint8Array(0)
  if (msg.from === undefined || msg.signature === undefined || msg.seqno === undefined) return { type: 'unsigned', topic: msg.topic, data }
  const author = authorOf(msg)
  if (author === null) return { type: 'unsigned', topic: msg.topic, data }
  const from = peerIdFromString(author)
  const key = msg.key !== undefined ? publicKeyFromProtobuf(msg.key) : from.publicKey
  if (key === undefined) return { type: 'unsigned', topic: msg.topic, data }
  let seq = 0n
  for (const b of msg.seqno) seq = (seq << 8n) | BigInt(b)
  return { type: 'signed', from, topic: msg.topic, data, sequenceNumber: seq, signature: msg.signature, key }
}

/** The driver's view of a libp2p node, made of a service's components. */
function hostOf (c: GossipSubComponents): DriverHost {
  const host = {
    peerId: c.peerId,
    peerStore: c.peerStore,
    handle: async (protocols: string | string[], handler: StreamHandler, options?: StreamHandlerOptions) => {
      for (const p of Array.isArray(protocols) ? protocols : [protocols]) await c.registrar.handle(p, handler, options)
    },
    unhandle: async (protocols: string | string[]) => {
      for (const p of Array.isArray(protocols) ? protocols : [protocols]) await c.registrar.unhandle(p)
    },
    addEventListener: (type: string, fn: (evt: Event) => void) => { c.events.addEventListener(type, fn) },
    removeEventListener: (type: string, fn: (evt: Event) => void) => { c.events.removeEventListener(type, fn) },
    getConnections: (peer?: PeerId) => c.connectionManager.getConnections(peer),
    dial: async (peer: PeerId, options?: { signal?: AbortSignal }) => await c.connectionManager.openConnection(peer, options),
    hangUp: async (peer: PeerId) => { await c.connectionManager.closeConnections(peer) }
  }
  return host as unknown as DriverHost
}
