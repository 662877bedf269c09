/**
 * `createNode(options)`: a whole grapevine node on the real network (DESIGN.md §4). It composes the
 * protocol cores (./cores.ts: HyParView membership, Plumtree broadcast, anti-entropy state, GossipSub,
 * topic discovery) on a js-libp2p host through the network driver (../net/driver.ts), and keeps its key
 * and replicated state in a data directory (./store.ts) so a restart keeps its peer id and everything it
 * had accepted.
 */
import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { UsageError } from '../core/errors.js'
import type { Env, NodeId } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import type { Delivery } from '../broadcast/flood.js'
import type { PlumtreeConfig } from '../broadcast/plumtree.js'
import type { HyParViewConfig } from '../membership/hyparview.js'
import { NetDriver, type DriverStats } from '../net/driver.js'
import { createHost, type Host } from '../net/host.js'
import { TOPIC_KEY_PREFIX, type TopicDiscoveryConfig } from './discovery.js'
import type { GossipSubConfig, GossipSubEvent, GossipSubStats } from '../gossipsub/gossipsub.js'
import { identityFromSeed, type SignaturePolicy } from '../gossipsub/signing.js'
import type { AntiEntropyConfig, StateChange } from '../state/antientropy.js'
import { createCores, type Cores } from './builder.js'
import { PubSub } from './pubsub.js'
import { NodeStore } from '../net/datadir.js'

export interface NodeOptions {
  /** Where the node keeps its key and replicated state. Without one the node is ephemeral: a new peer id each start. */
  dataDir?: string
  /** Multiaddrs to listen on (default `/ip4/0.0.0.0/tcp/0`). Add `/ip4/…/tcp/…/ws` for WebSockets. */
  listen?: string[]
  /** Multiaddrs of nodes to join through, each ending in `/p2p/<peer id>`. */
  bootstrap?: string[]
  /** Pub/sub signature policy (default StrictSign). */
  signaturePolicy?: SignaturePolicy
  /** Multiaddr prefixes exempt from inbound connection limits (default: loopback). */
  allow?: string[]
  maxConnections?: number
  membership?: Partial<HyParViewConfig>
  broadcast?: Partial<PlumtreeConfig>
  state?: Partial<AntiEntropyConfig>
  gossipsub?: Partial<GossipSubConfig>
  discovery?: Partial<TopicDiscoveryConfig> | false
}

export interface NodeInfo {
  peerId: string
  multiaddrs: string[]
  dataDir: string | null
  members: { active: string[], passive: string[] }
  topics: string[]
  /** Per subscribed topic: connected peers subscribed to it, and our mesh peers. */
  topicPeers: Record<string, { peers: string[], mesh: string[] }>
  stateEntries: number
  stateOrigins: number
  connections: number
  /** The GossipSub router's counters. */
  pubsubStats: GossipSubStats
  /** Broadcasts from other nodes delivered here. */
  broadcastsDelivered: number
  driver: DriverStats
}

export interface StateEntry {
  origin: string
  key: string
  value: Uint8Array
  version: number
}

/** Keys grapevine itself keeps in the replicated state (topic discovery): hidden from the application. */
export const RESERVED_PREFIX = TOPIC_KEY_PREFIX

function reserved (key: string): boolean {
  return key.startsWith(RESERVED_PREFIX)
}

/** The node's replicated key-value state: it writes its own keys and reads everyone's. */
export class NodeState {
  constructor (private readonly node: GrapevineNode) {}

  /** Writes `key` of this node's origin; resolves once the write is on disk (with a data directory). */
  async set (key: string, value: Uint8Array | string): Promise<StateEntry> {
    if (reserved(key)) throw new UsageError('ERR_RESERVED_KEY', `keys under ${RESERVED_PREFIX} are grapevine's own (topic discovery); choose another key`)
    const v = typeof value === 'string' ? new TextEncoder().encode(value) : value
    const e = this.node.cores.state.set(this.node.now(), key, v)
    await this.node.flush()
    return { origin: this.node.peerId, key, value: e.value, version: e.version }
  }

  /** Deletes `key` of this node's origin (a versioned tombstone). False if it was not set. */
  async delete (key: string): Promise<boolean> {
    if (reserved(key)) throw new UsageError('ERR_RESERVED_KEY', `keys under ${RESERVED_PREFIX} are grapevine's own (topic discovery)`)
    const e = this.node.cores.state.delete(this.node.now(), key)
    await this.node.flush()
    return e !== undefined
  }

  /** The value of `key` written by `origin` (default: this node). */
  get (key: string, origin: string = this.node.peerId): Uint8Array | undefined {
    return this.node.cores.state.get(key, origin)
  }

  /** Every live entry, optionally of one origin or under a key prefix. */
  entries (filter: { origin?: string, prefix?: string } = {}): StateEntry[] {
    const out: StateEntry[] = []
    for (const e of this.node.cores.state.entries()) {
      if (reserved(e.key)) continue
      if (filter.origin !== undefined && e.origin !== filter.origin) continue
      if (filter.prefix !== undefined && !e.key.startsWith(filter.prefix)) continue
      out.push(e)
    }
    return out
  }
}

export interface NodeEvents {
  /** A state entry changed here (a local write or one learned from a peer). */
  change: [StateChange]
  /** A Plumtree broadcast was delivered. */
  broadcast: [Delivery]
  /** A peer entered or left the membership active view. */
  'member:up': [string]
  'member:down': [string]
  misbehaviour: [{ core: string, peer: string }]
}

export class GrapevineNode extends EventEmitter<NodeEvents> {
  readonly peerId: string
  readonly pubsub: PubSub
  readonly state: NodeState
  private stopped = false
  private persisting: Promise<void> = Promise.resolve()
  private peersTimer: NodeJS.Timeout | undefined

  constructor (
    readonly host: Host,
    readonly driver: NetDriver,
    readonly cores: Cores,
    private readonly store: NodeStore | null
  ) {
    super()
    this.peerId = host.peerId.toString()
    this.pubsub = new PubSub(cores.pubsub, { now: () => this.now(), topicsChanged: now => cores.topics?.sync(now) })
    this.state = new NodeState(this)
  }

  now (): number {
    return this.driver.now()
  }

  multiaddrs (): string[] {
    return this.host.getMultiaddrs().map(String)
  }

  /** Broadcasts `payload` to every node (Plumtree); returns its id. */
  broadcast (payload: Uint8Array | string): string {
    const p = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload
    return this.cores.broadcast.broadcast(this.now(), p)
  }

  members (): { active: string[], passive: string[] } {
    return { active: this.cores.membership.activeView(), passive: this.cores.membership.passiveView() }
  }

  /** Joins the overlay through a node's multiaddr (ending in `/p2p/<peer id>`). */
  join (addr: string): void {
    const { id, addrs } = parseContact(addr)
    if (id === this.peerId) return
    this.cores.membership.join(this.now(), { id, addrs })
  }

  info (): NodeInfo {
    let origins = 0
    let entries = 0
    for (const rec of this.cores.state.store.origins.values()) {
      origins++
      for (const e of rec.entries.values()) if (!e.deleted && !reserved(e.key)) entries++
    }
    return {
      peerId: this.peerId,
      multiaddrs: this.multiaddrs(),
      dataDir: this.store?.dir ?? null,
      members: this.members(),
      topics: this.cores.pubsub.topics(),
      topicPeers: Object.fromEntries(this.cores.pubsub.topics().map(t => [t, { peers: this.cores.pubsub.peersOf(t), mesh: [...(this.cores.pubsub.mesh.get(t) ?? [])] }])),
      stateEntries: entries,
      stateOrigins: origins,
      connections: this.host.getConnections().length,
      broadcastsDelivered: this.cores.broadcast.stats.delivered,
      pubsubStats: { ...this.cores.pubsub.stats },
      driver: { ...this.driver.stats }
    }
  }

  /** Resolves once every state change so far is on disk. */
  async flush (): Promise<void> {
    await this.persisting
  }

  async stop (): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.peersTimer)
    await this.savePeers()
    await this.driver.stop()
    await this.host.stop()
    await this.persisting.catch(() => {})
    await this.store?.close()
  }

  /** @internal Keeps the membership views in the data directory every `everyMs`, to rejoin after a restart. */
  keepPeers (everyMs: number): void {
    if (this.store === null) return
    this.peersTimer = setInterval(() => { void this.savePeers() }, everyMs)
    this.peersTimer.unref()
  }

  private async savePeers (): Promise<void> {
    const peers = this.cores.membership.knownPeers()
    if (this.store === null || peers.length === 0) return
    await this.store.savePeers(peers).catch(err => console.error('grapevine: could not save the membership views', err))
  }

  /** @internal wired by createNode */
  persist (change: StateChange): void {
    if (this.store === null) return
    const rec = this.cores.state.store.origins.get(change.origin)
    if (rec === undefined) return
    const e = { key: change.key, value: change.value, version: change.version, deleted: change.deleted }
    this.persisting = this.store.saveChange(change.origin, e, { generation: rec.generation, known: rec.known, gcVersion: rec.gcVersion })
    this.persisting.catch(err => console.error('grapevine: could not persist a state change', err))
  }

  /** @internal */
  dispatch (core: string, event: unknown): void {
    if (core === 'meshsub') {
      this.pubsub.handle(event as GossipSubEvent)
      return
    }
    const e = event as { type?: string, peer?: string }
    if (e.type === 'misbehaviour' && e.peer !== undefined) this.emit('misbehaviour', { core, peer: e.peer })
    else if (core === 'plumtree') this.emit('broadcast', event as Delivery)
    else if (core === 'state' && e.type === 'change' && !reserved((event as StateChange).key)) this.emit('change', event as StateChange)
  }
}

export async function createNode (options: NodeOptions = {}): Promise<GrapevineNode> {
  const o = validateOptions(options)
  const store = o.dataDir !== undefined ? await NodeStore.open(o.dataDir) : null
  try {
    const seed = store !== null ? await store.seed() : new Uint8Array(randomBytes(32))
    // eslint-disable-next-line prefer-const
    let node: GrapevineNode | undefined
    const host = await createHost({
      seed,
      listen: o.listen ?? ['/ip4/0.0.0.0/tcp/0'],
      ...(o.allow !== undefined ? { allow: o.allow } : {}),
      ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
      denyPeer: (p) => node?.driver.isBanned(p.toString()) ?? false
    })
    const driver = new NetDriver(host, {
      onEvent: (core, event) => node?.dispatch(core, event),
      addressesOf: (peer: NodeId) => node?.cores.membership.addressesOf(peer) ?? [],
      local: (name) => name === 'topics'
    })
    const peerId = host.peerId.toString()
    const rng = new Rng(new DataView(randomBytes(4).buffer).getUint32(0))
    const env = <M, T, E>(name: string): Env<M, T, E> => ({ id: peerId, rng: rng.fork(name), io: driver.io<M, T, E>(name) })
    const selfAddrs = host.getMultiaddrs().map(m => m.decapsulateCode(421).bytes)
    const cores = createCores(env, identityFromSeed(seed), {
      membership: { selfAddrs, ...o.membership },
      ...(o.broadcast !== undefined ? { broadcast: o.broadcast } : {}),
      ...(o.state !== undefined ? { state: o.state } : {}),
      gossipsub: { signaturePolicy: o.signaturePolicy ?? 'StrictSign', ...o.gossipsub },
      ...(o.discovery !== undefined ? { discovery: o.discovery } : {})
    })
    if (store !== null) {
      const snap = await store.loadState()
      for (const [origin, { meta, entries }] of snap.origins) cores.state.store.restore(origin, meta.generation, meta.known, meta.gcVersion, entries)
      // Peers of the last run: with nobody active, membership asks them first (no bootstrap needed).
      cores.membership.seedPassive((await store.loadPeers()).filter(p => p.id !== peerId))
    }
    node = new GrapevineNode(host, driver, cores, store)
    const n = node
    cores.state.observe((_now, change) => n.persist(change))
    cores.membership.addNeighborListener({
      neighborUp: (_now, peer) => n.emit('member:up', peer),
      neighborDown: (_now, peer) => n.emit('member:down', peer)
    })
    await driver.host(cores.all)
    node.keepPeers(10_000)
    for (const b of o.bootstrap ?? []) node.join(b)
    return node
  } catch (err) {
    await store?.close().catch(() => {})
    throw err
  }
}

function parseContact (addr: string): { id: string, addrs: Uint8Array[] } {
  let ma
  try {
    ma = multiaddr(addr)
  } catch (err) {
    throw new UsageError('ERR_BOOTSTRAP', `bootstrap address ${JSON.stringify(addr)} is not a multiaddr (${(err as Error).message})`)
  }
  const id = ma.getComponents().find(c => c.name === 'p2p')?.value
  if (id === undefined) throw new UsageError('ERR_BOOTSTRAP', `bootstrap address ${addr} needs the peer id at the end: …/p2p/<peer id> (the agent prints its full addresses)`)
  try {
    peerIdFromString(id)
  } catch {
    throw new UsageError('ERR_BOOTSTRAP', `bootstrap address ${addr} ends in /p2p/${id}, which is not a peer id`)
  }
  return { id, addrs: [ma.decapsulateCode(421).bytes] }
}

function validateOptions (o: NodeOptions): NodeOptions {
  if (typeof o !== 'object' || o === null) throw new UsageError('ERR_OPTIONS', 'createNode(options) takes an object')
  const known = new Set(['dataDir', 'listen', 'bootstrap', 'signaturePolicy', 'allow', 'maxConnections', 'membership', 'broadcast', 'state', 'gossipsub', 'discovery'])
  for (const k of Object.keys(o)) if (!known.has(k)) throw new UsageError('ERR_OPTIONS', `unknown option ${JSON.stringify(k)}; createNode takes ${[...known].join(', ')}`)
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir === '')) throw new UsageError('ERR_OPTIONS', 'dataDir must be a folder path')
  for (const k of ['listen', 'bootstrap', 'allow'] as const) {
    const v = o[k]
    if (v === undefined) continue
    if (!Array.isArray(v) || v.some(x => typeof x !== 'string')) throw new UsageError('ERR_OPTIONS', `${k} must be an array of multiaddr strings, e.g. ["/ip4/0.0.0.0/tcp/4001"]`)
    if (k !== 'bootstrap') {
      for (const a of v) {
        try {
          multiaddr(a)
        } catch {
          throw new UsageError('ERR_OPTIONS', `${k}: ${JSON.stringify(a)} is not a multiaddr (e.g. /ip4/0.0.0.0/tcp/4001)`)
        }
      }
    }
  }
  for (const b of o.bootstrap ?? []) parseContact(b)
  if (o.signaturePolicy !== undefined && o.signaturePolicy !== 'StrictSign' && o.signaturePolicy !== 'StrictNoSign') {
    throw new UsageError('ERR_OPTIONS', `signaturePolicy is 'StrictSign' or 'StrictNoSign' (got ${JSON.stringify(o.signaturePolicy)})`)
  }
  if (o.maxConnections !== undefined && !(Number.isInteger(o.maxConnections) && o.maxConnections > 0)) throw new UsageError('ERR_OPTIONS', 'maxConnections must be a positive integer')
  return o
}
