// Discovery through the DHT only (issue 13): N grapevine nodes on 127.0.0.1, no bootstrap list, each given
// one DHT contact — a plain libp2p node running grapevine's DHT, not a member. Reported: the time from the
// first createNode (node i started i × 100 ms after the first) to one HyParView overlay: the active
// views, as undirected edges, connect every node.
// The nodes run in child processes of DISCOVERY_PER_PROCESS (10) nodes each, as a cluster's nodes would
// run in processes of their own: 30 grapevine nodes at rest need about one core (issue 15), so in one
// process they would measure a saturated event loop, not discovery.
// Run alone: `npm run build && node bench/discovery-net.mjs` (sizes: DISCOVERY_SIZES=10,30), or
// `BENCH_ONLY=discovery-net npm run bench`.
import '../dist/src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { clearInterval, setInterval } from 'node:timers'
import { createLibp2p } from 'libp2p'
import { createNode } from '../dist/src/exports/index.js'
import { grapevineDht } from '../dist/src/net/peer-discovery.js'
import { sizesFrom } from './lib.mjs'

/** Node i starts i × this many ms after the first (DISCOVERY_STAGGER_MS; 0: all at once). */
const STAGGER_MS = Number(process.env.DISCOVERY_STAGGER_MS ?? 100)
const PER_PROCESS = Number(process.env.DISCOVERY_PER_PROCESS ?? 10)
const LIMIT_MS = 60_000

/** Whether the active views (peer id → its active peers), taken as undirected edges, connect every node. */
function oneOverlay (views) {
  const edges = new Map([...views.keys()].map(id => [id, new Set()]))
  for (const [id, active] of views) {
    for (const p of active) {
      if (!edges.has(p)) continue
      edges.get(id).add(p)
      edges.get(p).add(id)
    }
  }
  const first = views.keys().next().value
  const seen = new Set([first])
  const todo = [first]
  while (todo.length > 0) for (const p of edges.get(todo.pop())) if (!seen.has(p)) { seen.add(p); todo.push(p) }
  return seen.size === views.size
}

/** A child process: runs nodes `from`…`to - 1`, reports their active views every 50 ms, stops when told. */
async function child ([contact, from, to, t0]) {
  const nodes = await Promise.all(Array.from({ length: Number(to) - Number(from) }, async (_, k) => {
    await new Promise(resolve => setTimeout(resolve, Math.max(0, Number(t0) + (Number(from) + k) * STAGGER_MS - Date.now())))
    return await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], peerDiscovery: { dht: { cluster: 'bench', contacts: [contact] } } })
  }))
  const report = setInterval(() => process.send({ views: nodes.map(n => [n.peerId, n.members().active]) }), 50)
  await once(process, 'message')
  clearInterval(report)
  const stats = nodes.map(n => n.info().driver)
  await Promise.all(nodes.map(n => n.stop()))
  process.send({ rounds: Math.max(...stats.map(s => s.discoveryRounds)), errors: stats.reduce((s, x) => s + x.discoveryErrors, 0) })
  process.disconnect()
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
  const start = Date.now() + 500 // the children start their first node then: after their own start-up
  const views = new Map()
  const children = []
  for (let from = 0; from < n; from += PER_PROCESS) {
    const c = fork(new URL(import.meta.url).pathname, ['child', contact, from, Math.min(n, from + PER_PROCESS), start], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    c.on('message', m => { if (m.views !== undefined) for (const [id, active] of m.views) views.set(id, active) })
    children.push(c)
  }
  let created = null
  let overlay = null
  while (overlay === null && Date.now() < start + LIMIT_MS) {
    if (created === null && views.size === n) created = Date.now() - start
    if (views.size === n && oneOverlay(views)) overlay = Date.now() - start
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const finals = await Promise.all(children.map(async c => {
    const done = new Promise(resolve => c.on('message', m => { if (m.rounds !== undefined) resolve(m) }))
    c.send('stop')
    return await done
  }))
  await entry.stop()
  return { nodes: n, processes: children.length, created, overlay, maxRounds: Math.max(...finals.map(f => f.rounds)), errors: finals.reduce((s, f) => s + f.errors, 0) }
}

export async function benchDiscoveryNet () {
  console.log(`\ndiscovery through the DHT only — N nodes on 127.0.0.1 (${PER_PROCESS} per process) started ${STAGGER_MS} ms apart, one DHT contact (not a member), default 1 s rounds`)
  console.log('  nodes   processes   all created   one overlay    rounds (max)   errors (contact dials, queries)')
  const results = []
  for (const n of sizesFrom('DISCOVERY_SIZES', '10,30')) {
    const r = await run(n)
    results.push(r)
    const ms = x => x === null ? `not in ${LIMIT_MS / 1000} s` : `${(x / 1000).toFixed(2)} s`
    console.log(`  ${String(n).padEnd(7)} ${String(r.processes).padEnd(11)} ${ms(r.created).padEnd(13)} ${ms(r.overlay).padEnd(14)} ${String(r.maxRounds).padEnd(14)} ${r.errors}`)
  }
  return results
}

if (process.argv[2] === 'child') await child(process.argv.slice(3))
else if (import.meta.url === `file://${process.argv[1]}`) await benchDiscoveryNet()
