// Discovery through the DHT only (issue 13): N grapevine nodes on 127.0.0.1, no bootstrap list, each given
// one DHT contact — a plain libp2p node running grapevine's DHT, not a member. Reported: the time from the
// first createNode (node i started i × 100 ms after the first) to one HyParView overlay: the active
// views, as undirected edges, connect every node.
// Run alone: `npm run build && node bench/discovery-net.mjs` (sizes: DISCOVERY_SIZES=10,30), or
// `BENCH_ONLY=discovery-net npm run bench`.
import '../dist/src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createNode } from '../dist/src/exports/index.js'
import { grapevineDht } from '../dist/src/net/peer-discovery.js'
import { sizesFrom } from './lib.mjs'

/** Node i starts i × this many ms after the first (DISCOVERY_STAGGER_MS; 0: all at once). */
const STAGGER_MS = Number(process.env.DISCOVERY_STAGGER_MS ?? 100)

function oneOverlay (nodes) {
  const edges = new Map(nodes.map(n => [n.peerId, new Set()]))
  for (const n of nodes) {
    for (const p of n.members().active) {
      if (!edges.has(p)) continue
      edges.get(n.peerId).add(p)
      edges.get(p).add(n.peerId)
    }
  }
  const seen = new Set([nodes[0].peerId])
  const todo = [nodes[0].peerId]
  while (todo.length > 0) for (const p of edges.get(todo.pop())) if (!seen.has(p)) { seen.add(p); todo.push(p) }
  return seen.size === nodes.length
}

async function run (n) {
  const entry = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The one entry point takes all N first dials at once: more than libp2p's 10 pending inbound connections.
    connectionManager: { allow: ['/ip4/127.0.0.1'], maxIncomingPendingConnections: 100 },
    services: { identify: identify(), ping: ping(), dht: grapevineDht() }
  })
  const contact = entry.getMultiaddrs()[0].toString()
  const start = Date.now()
  const nodes = await Promise.all(Array.from({ length: n }, async (_, i) => {
    await new Promise(resolve => setTimeout(resolve, i * STAGGER_MS))
    return await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'bench', contacts: [contact] } } })
  }))
  const created = Date.now() - start
  let overlay = null
  const until = start + 60_000
  while (overlay === null && Date.now() < until) {
    if (oneOverlay(nodes)) overlay = Date.now() - start
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const rounds = nodes.map(x => x.info().driver.discoveryRounds)
  const errors = nodes.reduce((s, x) => s + x.info().driver.discoveryErrors, 0)
  await Promise.all(nodes.map(x => x.stop()))
  await entry.stop()
  return { nodes: n, created, overlay, maxRounds: Math.max(...rounds), errors }
}

export async function benchDiscoveryNet () {
  console.log(`\ndiscovery through the DHT only — N nodes on 127.0.0.1 started ${STAGGER_MS} ms apart, one DHT contact (not a member), default 1 s rounds`)
  console.log('  nodes   all created   one overlay    rounds (max)   errors (contact dials, queries)')
  const results = []
  for (const n of sizesFrom('DISCOVERY_SIZES', '10,30')) {
    const r = await run(n)
    results.push(r)
    const ms = x => x === null ? 'not in 60 s' : `${(x / 1000).toFixed(2)} s`
    console.log(`  ${String(n).padEnd(7)} ${ms(r.created).padEnd(13)} ${ms(r.overlay).padEnd(14)} ${String(r.maxRounds).padEnd(14)} ${r.errors}`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDiscoveryNet()
