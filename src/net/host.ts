/**
 * The js-libp2p host a grapevine node runs on: TCP and WebSockets, Noise, Yamux, identify
 * (announcing AGENT_VERSION) and ping, with the node's Ed25519 key; with a pre-shared key, a private network (./pnet.ts). Loopback
 * and any `exemptAddrs` are exempt from the connection manager's inbound rate limit (many local nodes dial
 * each other at once), and libp2p's connection monitor is off (its ping streams were most of an idle node's CPU). The connection gater asks `denyPeer` (bans, the allow-list: ./admission.ts).
 */
import './shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { readFileSync } from 'node:fs'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { userAgent } from 'libp2p/user-agent'
import { name as libp2pName, version as libp2pVersion } from 'libp2p/version'
import { privateNetwork } from './pnet.js'

export interface HostOptions {
  /** The node's 32-byte Ed25519 seed: its peer id. */
  seed: Uint8Array
  /** Multiaddrs to listen on, e.g. `/ip4/0.0.0.0/tcp/4001`, `/ip4/127.0.0.1/tcp/0/ws`. */
  listen: string[]
  /** Multiaddr prefixes exempt from the inbound connection limits (default: loopback). */
  exemptAddrs?: string[]
  maxConnections?: number
  /** Refuse these peers, dialling out or connecting in (bans, the allow-list). */
  denyPeer?: (peer: PeerId, direction: 'inbound' | 'outbound') => boolean
  /** A swarm.key v1 pre-shared key: only nodes with the same key can connect. */
  psk?: Uint8Array
  /** More libp2p services: peer discovery's DHT and mDNS (./peer-discovery.ts). */
  services?: Record<string, (components: never) => unknown>
  /** A js-libp2p metrics implementation (e.g. prometheusMetrics()), given to the host as is. */
  metrics?: Libp2pOptions['metrics']
}

/** grapevine's version, from its package.json (dist/src/net → the package root). */
function ownVersion (): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/**
 * The identify agent version: `grapevine/0.1.0 js-libp2p/3.3.11 node/20.19.0`. Peers tell grapevine from
 * plain js-libp2p by its first word (their GossipSub message ids differ: src/gossipsub/msgid.ts).
 */
export const AGENT_VERSION = `grapevine/${ownVersion()} ${userAgent(libp2pName, libp2pVersion)}`

export type Host = Libp2p<{ identify: unknown, ping: unknown }>

export async function createHost (o: HostOptions): Promise<Host> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', o.seed)
  const deny = o.denyPeer ?? (() => false)
  return await createLibp2p({
    privateKey,
    addresses: { listen: o.listen },
    nodeInfo: { userAgent: AGENT_VERSION },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(o.psk !== undefined ? { connectionProtector: privateNetwork(o.psk) } : {}),
    ...(o.metrics !== undefined ? { metrics: o.metrics } : {}),
    connectionManager: {
      maxConnections: o.maxConnections ?? 300,
      allow: o.exemptAddrs ?? ['/ip4/127.0.0.1', '/ip6/::1']
    },
    // No connection monitor: it opens a ping stream on every connection every 10 s (stream negotiation and
    // a peer-store write at both ends: most of an idle node's CPU, ARCHITECTURE.md §5.2 "Idle cost"), and
    // here it only measured round-trip times nothing reads (it was told never to abort a connection: a busy
    // one answers late). Dead neighbours are found by HyParView's keep-alives on the existing streams; TCP
    // and Yamux's keep-alive frame cover the rest. The ping service stays, to answer other peers' monitors.
    connectionMonitor: { enabled: false },
    connectionGater: {
      denyDialPeer: async (peer) => deny(peer, 'outbound'),
      denyInboundEncryptedConnection: async (peer) => deny(peer, 'inbound'),
      denyOutboundEncryptedConnection: async (peer) => deny(peer, 'outbound'),
      // Loopback and private addresses are fine: this is also a cluster tool.
      denyDialMultiaddr: async () => false
    },
    services: { ...(o.services as object), identify: identify(), ping: ping() }
  }) as Host
}
