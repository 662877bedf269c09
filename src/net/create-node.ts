/**
 * `createNode(options)`: a whole grapevine node on the real network. The node builder (src/node/builder.ts)
 * composes it on a js-libp2p host through the network driver (./driver.ts); a data directory (./datadir.ts)
 * keeps its key and replicated state, so a restart keeps its peer id and everything it had accepted, and its
 * membership views, so it rejoins without a bootstrap contact. Admission: a pre-shared key makes a private
 * network (./pnet.ts) and an allow-list of peer ids is enforced by the connection gater (./admission.ts).
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { UsageError } from '../core/errors.js'
import type { NodeId } from '../core/protocol.js'
import { type SignaturePolicy } from '../gossipsub/signing.js'
import { identityFromSeed } from '../core/identity.js'
import type { Metrics } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { MetricsSource } from '../metrics/catalog.js'
import { registerLibp2pMetrics } from '../metrics/libp2p.js'
import { createLogger, type Logger } from '../metrics/log.js'
import type { PeerInfo } from '../membership/messages.js'
import { buildNode, type NodeConfig } from '../node/builder.js'
import type { GrapevineNode } from '../node/node.js'
import { Admission } from './admission.js'
import { DataDir, type Durability } from './datadir.js'
import { NetDriver } from './driver.js'
import { startDropLog } from './droplog.js'
import { createHost, type Host } from './host.js'
import { libp2pKeyDecoder } from './keys.js'
import { checkPeerDiscovery, discoveryServices, PeerDiscovery, type PeerDiscoveryOptions } from './peer-discovery.js'
import { checkSwarmKey } from './pnet.js'
import { startSummaries } from './summaries.js'
import { acquireVerifyPool, defaultVerifyWorkers, releaseVerifyPool, type VerifyPool } from './verify-pool.js'

export interface NodeOptions extends NodeConfig {
  /** Where the node keeps its key and replicated state. Without one the node is ephemeral: a new peer id each start. */
  dataDir?: string
  /** The node's 32-byte Ed25519 seed, for a fixed peer id without a data directory (tests, tools). */
  seed?: Uint8Array
  /** Multiaddrs to listen on (default `/ip4/0.0.0.0/tcp/0`). Add `/ip4/…/tcp/…/ws` for WebSockets. */
  listen?: string[]
  /** Multiaddrs of nodes to join through, each ending in `/p2p/<peer id>`. */
  bootstrap?: string[]
  /** Pub/sub signature policy (default StrictSign). */
  signaturePolicy?: SignaturePolicy
  /** 'sync' (default): a state write resolves once on disk (survives power loss); 'relaxed': once the OS has it. */
  durability?: Durability
  /** Start from the intact part of a damaged data directory and recover this node's own entries from peers. */
  recover?: boolean
  /** Peer ids that may connect (in or out); every other peer is refused by the connection gater. Default: anyone. */
  allow?: string[]
  /**
   * A pre-shared key (the contents of a swarm.key v1 file: `grapevine keygen`, or `readSwarmKey(file)`):
   * only nodes with the same key can connect at all.
   */
  psk?: Uint8Array
  /** Multiaddr prefixes exempt from inbound connection limits (default: loopback). */
  exemptAddrs?: string[]
  maxConnections?: number
  /** Find the cluster without a bootstrap list: a Kademlia DHT rendezvous by cluster name, mDNS on the LAN (./peer-discovery.ts). */
  peerDiscovery?: PeerDiscoveryOptions
  /**
   * A js-libp2p metrics implementation for the host, e.g. `prometheusMetrics()` from @libp2p/prometheus-metrics:
   * libp2p's own metrics and grapevine's (ARCHITECTURE.md §14) are then registered with it.
   */
  metrics?: (components: Parameters<NonNullable<Libp2pOptions['metrics']>>[0]) => Metrics
  /** Where the node logs (a pino logger, src/metrics/log.ts); default: stderr at level 'info'. */
  logger?: Logger
  /**
   * The node's neighbourhood summary in the replicated state (`_grapevine/summary`, src/node/summary.ts),
   * for the cluster console: written every `everyMs` (default 5000) when it changed, at least every
   * `refreshMs` (default 30000). Off by default (the summary's writes take versions of the node's origin);
   * `grapevine agent` turns it on (`summaries: false` in its config file, or --no-summaries, turns it off).
   */
  summaries?: boolean | { everyMs?: number, refreshMs?: number }
  /**
   * Worker threads verifying pub/sub signatures (StrictSign) off the event loop, shared by the nodes of this
   * process (default: the machine's cores less one, at most 4; 0: verify on the event loop).
   */
  verifyWorkers?: number
}

/** A node on the network: a `GrapevineNode`, with the libp2p host it runs on and the driver between them. */
export type NetworkNode = GrapevineNode & { readonly libp2p: Host, readonly driver: NetDriver }

/** How often the membership views are saved in the data directory. */
const SAVE_PEERS_MS = 10_000
/** Drops are summed into one log line at most this often. */
const DROP_LOG_MS = 10_000

export async function createNode (options: NodeOptions = {}): Promise<NetworkNode> {
  const o = validateOptions(options)
  const log = o.logger ?? createLogger()
  let verifyPool: VerifyPool | undefined
  const dataDir = o.dataDir !== undefined ? await DataDir.open(o.dataDir, { durability: o.durability ?? 'sync', recover: o.recover === true }) : null
  try {
    const seed = dataDir !== null ? await dataDir.seed() : o.seed ?? new Uint8Array(randomBytes(32))
    // eslint-disable-next-line prefer-const
    let node: GrapevineNode | undefined
    const admission = new Admission(o.allow, peer => driver.isBanned(peer), line => log.warn(line))
    const host = await createHost({
      seed,
      listen: o.listen ?? ['/ip4/0.0.0.0/tcp/0'],
      ...(o.exemptAddrs !== undefined ? { exemptAddrs: o.exemptAddrs } : {}),
      ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
      ...(o.psk !== undefined ? { psk: o.psk } : {}),
      ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
      denyPeer: (p, direction) => admission.refuses(p.toString(), direction),
      services: discoveryServices(o.peerDiscovery)
    })
    const direct = (o.gossipsub?.directPeers ?? []).map(directContact)
    for (const d of direct) await host.peerStore.merge(peerIdFromString(d.id), { multiaddrs: d.addrs.map(a => multiaddr(a)) })
    const workers = (o.signaturePolicy ?? 'StrictSign') === 'StrictSign' ? o.verifyWorkers ?? defaultVerifyWorkers() : 0
    if (workers > 0) verifyPool = acquireVerifyPool(workers)
    const driver: NetDriver = new NetDriver(host, {
      addressesOf: (peer: NodeId) => node?.cores.membership.addressesOf(peer) ?? [],
      onError: err => log.error({ err }, 'grapevine: internal error'),
      ...(verifyPool !== undefined ? { verifyPool } : {})
    })
    const peerId = host.peerId.toString()
    let savePeersTimer: NodeJS.Timeout | undefined
    let stopDropLog = (): void => {}
    let stopSummaries = (): void => {}
    let peerDiscovery: PeerDiscovery | undefined
    const savePeers = async (): Promise<void> => {
      const peers = node?.cores.membership.knownPeers() ?? []
      if (dataDir === null || peers.length === 0) return
      await dataDir.savePeers(peers).catch(err => log.error({ err }, 'grapevine: could not save the membership views'))
    }
    node = buildNode({ id: peerId, env: (name, listener) => driver.env(name, listener), clock: driver.clock, queues: driver }, identityFromSeed(seed), {
      broadcast: o.broadcast,
      state: o.state,
      discovery: o.discovery,
      // The signed address record's sequence number: the wall clock, so a restart's record replaces the old one.
      membership: { selfAddrs: host.getMultiaddrs().map(m => m.decapsulateCode(421).bytes), recordSeq: Date.now(), ...o.membership },
      gossipsub: { signaturePolicy: o.signaturePolicy ?? 'StrictSign', decodeKey: libp2pKeyDecoder, ...o.gossipsub, directPeers: direct.map(d => d.id) }
    }, {
      dataDir: dataDir?.dir ?? null,
      persist: dataDir === null
        ? undefined
        : change => {
          const done = dataDir.saveChange(change)
          done.catch(err => log.error({ err }, 'grapevine: could not persist a state change'))
          return done
        },
      contactOf: parseContact,
      multiaddrs: () => host.getMultiaddrs().map(String),
      connections: () => host.getConnections().length,
      counters: () => ({ ...driver.stats, ...admission.stats, ...peerDiscovery?.stats, ...verifyCounters(verifyPool) }),
      bans: () => driver.bans(),
      storage: () => ({ durability: o.durability ?? 'sync', damage: [...dataDir?.damage ?? []], dropped: [...dataDir?.dropped ?? []] }),
      stop: async () => {
        clearInterval(savePeersTimer)
        stopDropLog()
        stopSummaries()
        await peerDiscovery?.stop()
        await savePeers()
        await driver.stop()
        const pool = verifyPool
        verifyPool = undefined
        if (pool !== undefined) await releaseVerifyPool(pool)
        await host.stop()
        await dataDir?.close() // after every queued write
      }
    })
    if (dataDir !== null) {
      const snap = dataDir.loadState()
      for (const [origin, { meta, entries }] of snap.origins) node.cores.state.restore(origin, meta, entries)
      for (const d of dataDir.dropped) log.warn(`grapevine: warning: a damaged copy in ${dataDir.dir} was dropped and will be fetched again from peers — ${d}`)
      if (dataDir.ownDamaged) {
        // Started with recover: take our own entries back from peers before writing, in a generation above any used.
        const own = snap.origins.get(peerId)?.meta.generation ?? 0
        node.cores.state.recover(driver.clock.now(), Math.max(own + 1, Date.now()))
        log.warn(`grapevine: WARNING: ${dataDir.dir} was damaged (${dataDir.damage.join('; ')}); started from what is intact and recovering this node's own entries from its peers — writes are refused until that is done`)
      }
      // Peers of the last run: with nobody active, membership asks them first (no bootstrap needed).
      node.cores.membership.seedPassive((await dataDir.loadPeers()).filter(p => p.id !== peerId))
    }
    await driver.host(node.cores.all)
    const router = node.cores.gossipsub
    stopDropLog = startDropLog(() => ({ ...driver.stats, ...router.stats }), DROP_LOG_MS, line => log.warn(line))
    // Bans and disconnects are rare (strikes bound them) and each is logged; penalties are counted in info().
    node.on('misbehaviour', m => {
      if (m.sanction === 'ban') log.warn(`grapevine: banned ${m.peer} (${m.core}: ${m.reason})`)
      else if (m.sanction === 'disconnect') log.info(`grapevine: disconnected ${m.peer} (${m.core}: ${m.reason})`)
    })
    const network = Object.assign(node, { libp2p: host, driver })
    if (host.metrics !== undefined) registerLibp2pMetrics(host.metrics, metricsSource(network))
    if (dataDir !== null) {
      savePeersTimer = setInterval(() => { void savePeers() }, SAVE_PEERS_MS)
      savePeersTimer.unref()
    }
    if (o.summaries !== undefined && o.summaries !== false) {
      const every = typeof o.summaries === 'object' ? o.summaries : {}
      stopSummaries = startSummaries(node, { ...every, onError: err => log.error({ err }, 'grapevine: could not write the node summary') })
    }
    for (const b of o.bootstrap ?? []) node.join(b)
    if (o.peerDiscovery !== undefined) {
      const n = node
      peerDiscovery = new PeerDiscovery(host, { activeView: () => n.cores.membership.activeView(), seedPassive: p => n.cores.membership.seedPassive(p), join: p => n.join(p) }, o.peerDiscovery, line => log.warn(line))
      peerDiscovery.start()
    }
    return network
  } catch (err) {
    if (verifyPool !== undefined) await releaseVerifyPool(verifyPool)
    await dataDir?.close().catch(() => {})
    throw err
  }
}

/** What the metrics (src/metrics) read of a network node: the node, its send queues, its heartbeats' durations. */
export function metricsSource (node: NetworkNode): MetricsSource {
  return {
    node,
    queuedBytes: () => node.driver.queuedBytes(),
    onHeartbeat: observe => {
      node.driver.timerObservers.add((core, timer, seconds) => {
        if (core === 'gossipsub' && (timer as { kind?: string }).kind === 'heartbeat') observe(seconds)
      })
    }
  }
}

/** A multiaddr ending in /p2p/<peer id> → the peer and its address. */
export function parseContact (addr: string): PeerInfo {
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

/**
 * A direct peer of `gossipsub.directPeers` (v1.1 explicit peering agreements): a multiaddr ending in
 * /p2p/<peer id> (its address goes to the peer store, for the router's dials), or a bare peer id (dialled at
 * the addresses membership knows).
 */
function directContact (entry: string): PeerInfo {
  const bad = (why: string): UsageError => new UsageError('ERR_OPTIONS', `gossipsub.directPeers: ${JSON.stringify(entry)} ${why}`)
  if (typeof entry !== 'string') throw bad('is not a string (a multiaddr ending in /p2p/<peer id>, or a peer id)')
  if (entry.startsWith('/')) {
    try {
      return parseContact(entry)
    } catch (err) {
      throw bad(`is not a multiaddr ending in /p2p/<peer id> (${(err as Error).message})`)
    }
  }
  try {
    peerIdFromString(entry)
  } catch {
    throw bad('is not a peer id or a multiaddr ending in /p2p/<peer id>')
  }
  return { id: entry, addrs: [] }
}

const OPTIONS = ['dataDir', 'listen', 'seed', 'bootstrap', 'signaturePolicy', 'allow', 'psk', 'exemptAddrs', 'maxConnections', 'membership', 'broadcast', 'state', 'gossipsub', 'discovery', 'durability', 'recover', 'peerDiscovery', 'metrics', 'logger', 'summaries', 'verifyWorkers']

function validateOptions (o: NodeOptions): NodeOptions {
  if (typeof o !== 'object' || o === null) throw new UsageError('ERR_OPTIONS', 'createNode(options) takes an object')
  for (const k of Object.keys(o)) if (!OPTIONS.includes(k)) throw new UsageError('ERR_OPTIONS', `unknown option ${JSON.stringify(k)}; createNode takes ${OPTIONS.join(', ')}`)
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir === '')) throw new UsageError('ERR_OPTIONS', 'dataDir must be a folder path')
  if (o.seed !== undefined) {
    if (!(o.seed instanceof Uint8Array) || o.seed.length !== 32) throw new UsageError('ERR_OPTIONS', 'seed must be a Uint8Array of 32 bytes (an Ed25519 seed)')
    if (o.dataDir !== undefined) throw new UsageError('ERR_OPTIONS', 'give either seed or dataDir: a data directory keeps its own key')
  }
  for (const k of ['listen', 'bootstrap', 'exemptAddrs'] as const) {
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
  if (o.gossipsub?.directPeers !== undefined) {
    if (!Array.isArray(o.gossipsub.directPeers)) throw new UsageError('ERR_OPTIONS', 'gossipsub.directPeers must be an array of multiaddrs ending in /p2p/<peer id> (or peer ids)')
    o.gossipsub.directPeers.forEach(directContact)
  }
  if (o.allow !== undefined) {
    if (!Array.isArray(o.allow) || o.allow.some(x => typeof x !== 'string')) throw new UsageError('ERR_OPTIONS', 'allow must be an array of peer ids (strings such as 12D3KooW…)')
    if (o.allow.length === 0) throw new UsageError('ERR_OPTIONS', 'allow is an empty list, which would refuse every peer: list the peer ids that may connect, or leave it out')
    for (const id of o.allow) {
      try {
        peerIdFromString(id)
      } catch {
        throw new UsageError('ERR_OPTIONS', `allow: ${JSON.stringify(id)} is not a peer id (a node prints its own: grapevine info)`)
      }
    }
  }
  if (o.psk !== undefined) checkSwarmKey(o.psk, 'the psk option')
  if (o.signaturePolicy !== undefined && o.signaturePolicy !== 'StrictSign' && o.signaturePolicy !== 'StrictNoSign') {
    throw new UsageError('ERR_OPTIONS', `signaturePolicy is 'StrictSign' or 'StrictNoSign' (got ${JSON.stringify(o.signaturePolicy)})`)
  }
  if (o.maxConnections !== undefined && !(Number.isInteger(o.maxConnections) && o.maxConnections > 0)) throw new UsageError('ERR_OPTIONS', 'maxConnections must be a positive integer')
  if (o.durability !== undefined && o.durability !== 'sync' && o.durability !== 'relaxed') {
    throw new UsageError('ERR_OPTIONS', `durability is 'sync' (a write resolves once on disk) or 'relaxed' (once the OS has it; lost on power failure) — got ${JSON.stringify(o.durability)}`)
  }
  if (o.peerDiscovery !== undefined) checkPeerDiscovery(o.peerDiscovery)
  if (o.metrics !== undefined && typeof o.metrics !== 'function') throw new UsageError('ERR_OPTIONS', 'metrics is a js-libp2p metrics factory, e.g. prometheusMetrics() from @libp2p/prometheus-metrics')
  if (o.logger !== undefined && (typeof o.logger !== 'object' || o.logger === null || typeof o.logger.warn !== 'function')) throw new UsageError('ERR_OPTIONS', 'logger is a pino logger (createLogger(level) from grapevine)')
  if (o.summaries !== undefined && typeof o.summaries !== 'boolean') {
    const v = o.summaries as unknown
    const ok = typeof v === 'object' && v !== null && Object.entries(v).every(([k, n]) => (k === 'everyMs' || k === 'refreshMs') && typeof n === 'number' && n >= 100)
    if (!ok) throw new UsageError('ERR_OPTIONS', 'summaries is true, false, or { everyMs, refreshMs } (numbers of ms, at least 100)')
  }
  if (o.verifyWorkers !== undefined && !(Number.isInteger(o.verifyWorkers) && o.verifyWorkers >= 0 && o.verifyWorkers <= 64)) {
    throw new UsageError('ERR_OPTIONS', `verifyWorkers is a whole number of threads from 0 (verify on the event loop) to 64 (got ${JSON.stringify(o.verifyWorkers)})`)
  }
  if (o.recover !== undefined && typeof o.recover !== 'boolean') throw new UsageError('ERR_OPTIONS', 'recover must be true or false')
  if ((o.durability !== undefined || o.recover === true) && o.dataDir === undefined) throw new UsageError('ERR_OPTIONS', 'durability and recover apply to a data directory: give dataDir too')
  return o
}

/** The verification pool's counters as `info` shows them (shared by this process's nodes). */
function verifyCounters (pool: VerifyPool | undefined): Record<string, number> {
  if (pool === undefined) return {}
  const s = pool.stats
  return { verifyWorkers: pool.running, verifyPending: pool.pending, verifyChecks: s.checks, verifyReused: s.reused, verifyInline: s.inline, verifyBad: s.bad, verifyBatches: s.batches, verifyWorkerErrors: s.workerErrors, verifySaturations: s.saturations, verifyOverflow: s.overflow }
}
