/**
 * Peer discovery beyond bootstrap lists: where a node finds its first contacts. It only feeds HyParView
 * (src/membership): a discovered member becomes a passive peer (`seedPassive`, first-hand, so it costs the
 * node's dial budget only) and, while the active view is empty, one of them per round is joined through
 * (`join`: the paper's JOIN and its FORWARDJOIN walks). Membership keeps owning the overlay; the
 * connection gater keeps applying the allow-list and the pre-shared key to every dial discovery causes.
 *
 * - Kademlia (@libp2p/kad-dht): a cluster name is a rendezvous key, the CID (v1, raw, sha256) of
 *   "grapevine/cluster/" + name. Members `provide` it and `findProviders` it, round after round; any node of
 *   the same DHT can be the entry point, member or not. grapevine runs its own DHT (protocol
 *   `/grapevine/kad/1.0.0`), not the public IPFS one: clusters are often on private networks, a node then
 *   keeps its loopback and private addresses (the DHT's address filter is the pass-through mapper), and
 *   cluster records stay off a public network. Every member is a DHT server (`clientMode: false`): there is
 *   no public address for libp2p to pick server mode from on a LAN or on 127.0.0.1. Queries do not wait for
 *   the DHT's first self-lookup (`allowQueryWithZeroPeers`: it took up to 5 s); a round that finds the
 *   routing table still empty finds nobody, and the next round (1 s later by default) tries again.
 * - mDNS (@libp2p/mdns): the node answers and asks for the service `_grapevine._udp.local` on the LAN, so
 *   other libp2p programs there are not mistaken for members.
 */
import type { PeerInfo as Libp2pPeerInfo } from '@libp2p/interface'
import { kadDHT, passthroughMapper, type KadDHT } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { multiaddr } from '@multiformats/multiaddr'
import { setMaxListeners } from 'node:events'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { UsageError } from '../core/errors.js'
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'
import type { PeerInfo } from '../membership/messages.js'
import type { Host } from './host.js'

export interface PeerDiscoveryOptions {
  /** Find the cluster's members through a Kademlia DHT. */
  dht?: {
    /** The cluster's name: members of one cluster find each other by it. */
    cluster: string
    /** Multiaddrs (…/p2p/<id>) of DHT nodes to enter the DHT through; they need not be members. */
    contacts?: string[]
    /** The first rounds' period (default 1,000 ms); it doubles up to 60 s once the node has neighbours. */
    intervalMs?: number
  }
  /** Find members on the local network by multicast DNS. */
  mdns?: boolean
}

/** grapevine's own Kademlia protocol: a DHT of grapevine nodes (and any DHT node started with it), not IPFS's. */
export const DHT_PROTOCOL = '/grapevine/kad/1.0.0'
export const MDNS_SERVICE_TAG = '_grapevine._udp.local'
const MAX_INTERVAL_MS = 60_000
/** A DHT query gives up after this long (the next round tries again). */
const QUERY_TIMEOUT_MS = 10_000
/**
 * Lookups along 3 disjoint paths of 3 queries in flight each (S/Kademlia §4.4's d, and Kademlia's α):
 * @libp2p/kad-dht's defaults (20 paths of 10) ask nearly every node of a small cluster's DHT on every lookup,
 * a connection to each; measured with 30 nodes on two cores, that alone saturated the machine.
 */
const DISJOINT_PATHS = 3
const ALPHA = 3
/** A lookup stops this long after it first finds members. */
const FIND_GRACE_MS = 300

/** The DHT key of a cluster: the CID of sha256("grapevine/cluster/" + name). */
export async function clusterKey (cluster: string): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`grapevine/cluster/${cluster}`)))
}

/** The DHT as grapevine runs it (also for a plain libp2p node that is to be a DHT entry point). */
export function grapevineDht (): ReturnType<typeof kadDHT> {
  return kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true, disjointPaths: DISJOINT_PATHS, alpha: ALPHA })
}

/** The libp2p services the options ask for (to give the host before it is created). */
export function discoveryServices (o: PeerDiscoveryOptions | undefined): Record<string, (components: never) => unknown> {
  const services: Record<string, (components: never) => unknown> = {}
  if (o?.dht !== undefined) services.dht = grapevineDht()
  if (o?.mdns === true) services.mdns = mdns({ serviceTag: MDNS_SERVICE_TAG })
  return services
}

export function checkPeerDiscovery (o: unknown): void {
  const fail = (what: string): never => { throw new UsageError('ERR_OPTIONS', `peerDiscovery: ${what}`) }
  if (typeof o !== 'object' || o === null) fail('takes an object such as { dht: { cluster: "name", contacts: ["/ip4/…/p2p/…"] }, mdns: true }')
  const p = o as Record<string, unknown>
  for (const k of Object.keys(p)) if (k !== 'dht' && k !== 'mdns') fail(`unknown key ${JSON.stringify(k)}; it takes dht and mdns`)
  if (p.mdns !== undefined && typeof p.mdns !== 'boolean') fail('mdns is true or false')
  if (p.dht === undefined) return
  const d = p.dht as Record<string, unknown>
  if (typeof d !== 'object' || d === null) fail('dht takes { cluster, contacts?, intervalMs? }')
  for (const k of Object.keys(d)) if (!['cluster', 'contacts', 'intervalMs'].includes(k)) fail(`unknown key dht.${k}; dht takes cluster, contacts, intervalMs`)
  if (typeof d.cluster !== 'string' || d.cluster === '') fail('dht.cluster is the cluster\'s name (a non-empty string)')
  if (d.intervalMs !== undefined && !(Number.isInteger(d.intervalMs) && (d.intervalMs as number) >= 10)) fail('dht.intervalMs is an integer ≥ 10 (milliseconds)')
  if (d.contacts === undefined) return
  if (!Array.isArray(d.contacts) || d.contacts.some(x => typeof x !== 'string')) fail('dht.contacts is an array of multiaddrs ending in /p2p/<peer id>')
  for (const c of d.contacts as string[]) {
    let ok: boolean
    try {
      ok = multiaddr(c).getComponents().some(x => x.name === 'p2p')
    } catch {
      ok = false
    }
    if (!ok) fail(`dht.contacts: ${JSON.stringify(c)} is not a multiaddr ending in /p2p/<peer id>`)
  }
}

/** What discovery needs of the node: its views, and the two ways into them. */
export interface DiscoveryTarget {
  activeView: () => NodeId[]
  seedPassive: (peers: PeerInfo[]) => void
  join: (peer: PeerInfo) => void
}

/**
 * Runs the discovery the options ask for on `host` (whose services `discoveryServices` gave) and feeds what
 * it finds to `target`. Counters: rounds, lookups that failed, members found (distinct), joins started.
 */
export class PeerDiscovery {
  readonly stats = { discoveryRounds: 0, discoveryErrors: 0, discoveryFound: 0, discoveryJoins: 0 }
  private readonly seen = new FifoMap<NodeId, true>(4096)
  private readonly abort = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private loop: Promise<void> = Promise.resolve()
  private lastJoin = -Infinity
  private lowest: PeerInfo | null = null
  private joinedLowest: NodeId | null = null
  private providing: Promise<void> | null = null
  private wake = (): void => {}

  constructor (private readonly host: Host, private readonly target: DiscoveryTarget, private readonly o: PeerDiscoveryOptions, private readonly log: (line: string) => void) {}

  start (): void {
    setMaxListeners(Infinity, this.abort.signal) // each round's query signal follows it
    const services = this.host.services as Record<string, unknown>
    if (this.o.mdns === true) {
      const m = services.mdns as EventTarget
      m.addEventListener('peer', (e) => { this.found([(e as CustomEvent<Libp2pPeerInfo>).detail]) })
    }
    if (this.o.dht !== undefined) {
      const dht = services.dht as KadDHT
      const d = this.o.dht
      this.loop = (async () => {
        const key = await clusterKey(d.cluster)
        let interval = d.intervalMs ?? 1000
        while (!this.abort.signal.aborted) {
          await this.round(dht, key, d.contacts ?? [])
          // The first pace while alone; then slower and slower (HyParView's shuffles spread the rest).
          interval = this.target.activeView().length === 0 ? (d.intervalMs ?? 1000) : Math.min(interval * 2, MAX_INTERVAL_MS)
          await new Promise<void>(resolve => {
            this.wake = resolve
            this.timer = setTimeout(resolve, interval)
          })
        }
      })()
    }
  }

  async stop (): Promise<void> {
    this.abort.abort()
    clearTimeout(this.timer)
    this.wake()
    await this.loop
    await this.providing
  }

  /** One round: enter the DHT (first round, or when the node is connected to nobody), announce this node, look the cluster up. */
  private async round (dht: KadDHT, key: CID, contacts: string[]): Promise<void> {
    this.stats.discoveryRounds++
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)])
    setMaxListeners(Infinity, signal) // a DHT query listens once per peer it asks
    if (this.stats.discoveryRounds === 1 || this.host.getConnections().length === 0) {
      await Promise.all(contacts.map(async c => {
        // The DHT takes a peer into its routing table once identify has run: wait for that (≤ 2 s), so
        // this round's queries already have somewhere to go.
        let done = (): void => {}
        const identified = new Promise<void>(resolve => { done = resolve })
        const onIdentify = (e: CustomEvent<{ peerId: { toString: () => string } }>): void => { if (c.endsWith(`/p2p/${e.detail.peerId.toString()}`)) done() }
        this.host.addEventListener('peer:identify', onIdentify)
        const timer = setTimeout(done, 2000)
        await this.host.dial(multiaddr(c), { signal }).then(async () => { await identified }, err => {
          this.stats.discoveryErrors++
          if (!this.abort.signal.aborted) this.log(`grapevine: could not reach the DHT contact ${c}: ${(err as Error).message}`)
        }).finally(() => {
          clearTimeout(timer)
          this.host.removeEventListener('peer:identify', onIdentify)
        })
      }))
    }
    // Announce (unless the last announcement is still running) and look up at once. A lookup runs until
    // its paths end, seconds on a busy machine: it stops FIND_GRACE_MS after the first members found, and
    // the members are fed as each answer comes.
    this.providing ??= (async () => {
      // Providing again each round also puts this node on DHT nodes that joined after the last round.
      for await (const _ of dht.provide(key, { signal })) { /* drain */ }
    })().catch(() => { this.stats.discoveryErrors++ }).finally(() => { this.providing = null })
    const enough = new AbortController()
    const findSignal = AbortSignal.any([signal, enough.signal])
    setMaxListeners(Infinity, findSignal)
    let grace: NodeJS.Timeout | undefined
    try {
      for await (const e of dht.findProviders(key, { signal: findSignal })) {
        if (e.name !== 'PROVIDER') continue
        // The first answer is often the local provider store, holding this node alone: the grace starts
        // at the first *other* member (it once cut lookups short before any remote answer came).
        if (this.found(e.providers) > 0) grace ??= setTimeout(() => enough.abort(), FIND_GRACE_MS)
      }
    } catch {
      if (!enough.signal.aborted) this.stats.discoveryErrors++
    } finally {
      clearTimeout(grace)
    }
  }

  /** Members found: all become passive peers; some are joined through (below). Returns how many (not counting this node). */
  private found (peers: Libp2pPeerInfo[]): number {
    if (this.abort.signal.aborted) return 0
    const self = this.host.peerId.toString()
    const members: PeerInfo[] = []
    for (const p of peers) {
      const id = p.id.toString()
      if (id === self || p.multiaddrs.length === 0) continue
      if (!this.seen.has(id)) {
        this.seen.set(id, true)
        this.stats.discoveryFound++
      }
      members.push({ id, addrs: p.multiaddrs.map(m => m.decapsulateCode(421).bytes) })
    }
    if (members.length === 0) return 0
    this.target.seedPassive(members)
    // Nodes starting together would each join whoever they found first and could settle as separate
    // groups with full active views, which HyParView never merges. So every node also joins through the
    // member with the lowest peer id it has found, each time a lower one turns up (not when it is itself
    // the lowest): all end up having joined the cluster's lowest member, so one overlay.
    for (const m of members) if (this.lowest === null || m.id < this.lowest.id) this.lowest = m
    const now = Date.now()
    if (now - this.lastJoin < 1000) return members.length // a join takes a round trip; the passive peers are asked meanwhile
    let to: PeerInfo | undefined
    if (this.lowest !== null && this.lowest.id < self && (this.joinedLowest === null || this.lowest.id < this.joinedLowest)) {
      to = this.lowest
      this.joinedLowest = to.id
    } else if (this.target.activeView().length === 0) {
      to = members[Math.floor(Math.random() * members.length)]!
    }
    if (to !== undefined) {
      this.lastJoin = now
      this.stats.discoveryJoins++
      this.target.join(to)
    }
    return members.length
  }
}
