/**
 * `createNode(options)`: a whole grapevine node on the real network. The node builder (src/node/builder.ts)
 * composes it on a js-libp2p host through the network driver (./driver.ts); a data directory (./datadir.ts)
 * keeps its key and replicated state, so a restart keeps its peer id and everything it had accepted, and its
 * membership views, so it rejoins without a bootstrap contact.
 */
import { randomBytes } from 'node:crypto'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { UsageError } from '../core/errors.js'
import type { NodeId } from '../core/protocol.js'
import { type SignaturePolicy } from '../gossipsub/signing.js'
import { identityFromSeed } from '../core/identity.js'
import type { PeerInfo } from '../membership/messages.js'
import { buildNode, type NodeConfig } from '../node/builder.js'
import type { GrapevineNode } from '../node/node.js'
import { DataDir } from './datadir.js'
import { NetDriver } from './driver.js'
import { createHost, type Host } from './host.js'
import { libp2pKeyDecoder } from './keys.js'

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
  /** Multiaddr prefixes exempt from inbound connection limits (default: loopback). */
  allow?: string[]
  maxConnections?: number
}

/** A node on the network: a `GrapevineNode`, with the libp2p host it runs on and the driver between them. */
export type NetworkNode = GrapevineNode & { readonly libp2p: Host, readonly driver: NetDriver }

/** How often the membership views are saved in the data directory. */
const SAVE_PEERS_MS = 10_000

export async function createNode (options: NodeOptions = {}): Promise<NetworkNode> {
  const o = validateOptions(options)
  const dataDir = o.dataDir !== undefined ? await DataDir.open(o.dataDir) : null
  try {
    const seed = dataDir !== null ? await dataDir.seed() : o.seed ?? new Uint8Array(randomBytes(32))
    // eslint-disable-next-line prefer-const
    let node: GrapevineNode | undefined
    const host = await createHost({
      seed,
      listen: o.listen ?? ['/ip4/0.0.0.0/tcp/0'],
      ...(o.allow !== undefined ? { allow: o.allow } : {}),
      ...(o.maxConnections !== undefined ? { maxConnections: o.maxConnections } : {}),
      denyPeer: (p) => driver.isBanned(p.toString())
    })
    const driver: NetDriver = new NetDriver(host, { addressesOf: (peer: NodeId) => node?.cores.membership.addressesOf(peer) ?? [] })
    const peerId = host.peerId.toString()
    let savePeersTimer: NodeJS.Timeout | undefined
    const savePeers = async (): Promise<void> => {
      const peers = node?.cores.membership.knownPeers() ?? []
      if (dataDir === null || peers.length === 0) return
      await dataDir.savePeers(peers).catch(err => console.error('grapevine: could not save the membership views', err))
    }
    node = buildNode({ id: peerId, env: (name, listener) => driver.env(name, listener), clock: driver.clock }, identityFromSeed(seed), {
      broadcast: o.broadcast,
      state: o.state,
      discovery: o.discovery,
      // The signed address record's sequence number: the wall clock, so a restart's record replaces the old one.
      membership: { selfAddrs: host.getMultiaddrs().map(m => m.decapsulateCode(421).bytes), recordSeq: Date.now(), ...o.membership },
      gossipsub: { signaturePolicy: o.signaturePolicy ?? 'StrictSign', decodeKey: libp2pKeyDecoder, ...o.gossipsub }
    }, {
      dataDir: dataDir?.dir ?? null,
      persist: dataDir === null
        ? undefined
        : change => {
          const done = dataDir.saveChange(change.origin, { key: change.key, value: change.value, version: change.version, deleted: change.deleted }, change.meta)
          done.catch(err => console.error('grapevine: could not persist a state change', err))
          return done
        },
      contactOf: parseContact,
      multiaddrs: () => host.getMultiaddrs().map(String),
      connections: () => host.getConnections().length,
      counters: () => ({ ...driver.stats }),
      stop: async () => {
        clearInterval(savePeersTimer)
        await savePeers()
        await driver.stop()
        await host.stop()
        await dataDir?.close() // after every queued write
      }
    })
    if (dataDir !== null) {
      const snap = await dataDir.loadState()
      for (const [origin, { meta, entries }] of snap.origins) node.cores.state.restore(origin, meta, entries)
      // Peers of the last run: with nobody active, membership asks them first (no bootstrap needed).
      node.cores.membership.seedPassive((await dataDir.loadPeers()).filter(p => p.id !== peerId))
    }
    await driver.host(node.cores.all)
    if (dataDir !== null) {
      savePeersTimer = setInterval(() => { void savePeers() }, SAVE_PEERS_MS)
      savePeersTimer.unref()
    }
    for (const b of o.bootstrap ?? []) node.join(b)
    return Object.assign(node, { libp2p: host, driver })
  } catch (err) {
    await dataDir?.close().catch(() => {})
    throw err
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

const OPTIONS = ['dataDir', 'listen', 'seed', 'bootstrap', 'signaturePolicy', 'allow', 'maxConnections', 'membership', 'broadcast', 'state', 'gossipsub', 'discovery']

function validateOptions (o: NodeOptions): NodeOptions {
  if (typeof o !== 'object' || o === null) throw new UsageError('ERR_OPTIONS', 'createNode(options) takes an object')
  for (const k of Object.keys(o)) if (!OPTIONS.includes(k)) throw new UsageError('ERR_OPTIONS', `unknown option ${JSON.stringify(k)}; createNode takes ${OPTIONS.join(', ')}`)
  if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || o.dataDir === '')) throw new UsageError('ERR_OPTIONS', 'dataDir must be a folder path')
  if (o.seed !== undefined) {
    if (!(o.seed instanceof Uint8Array) || o.seed.length !== 32) throw new UsageError('ERR_OPTIONS', 'seed must be a Uint8Array of 32 bytes (an Ed25519 seed)')
    if (o.dataDir !== undefined) throw new UsageError('ERR_OPTIONS', 'give either seed or dataDir: a data directory keeps its own key')
  }
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
