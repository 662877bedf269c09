// The console's cost in the state (issue 14): N whole grapevine nodes in the simulator (the same node
// builder as createNode), joined into one HyParView overlay, all subscribed to 3 topics with GossipSub
// meshes and Plumtree trees formed; then each node's neighbourhood summary (src/node/summary.ts) is built.
// Reported: bytes per summary (mean, max) — what each node adds to the replicated state — the bytes every
// node holds for the whole cluster's summaries (their sum), and the CPU time to build one.
// Run alone: `npm run build && node bench/console-summaries.mjs` (CONSOLE_NODES=1000 by default), or
// `BENCH_ONLY=console-summaries npm run bench`.
import { identityFromSeed } from '../dist/src/core/identity.js'
import { buildSummary } from '../dist/src/node/summary.js'
import { SimCluster } from '../dist/src/sim/cluster.js'
import { Simulator } from '../dist/src/sim/simulator.js'
import { sizesFrom } from './lib.mjs'

function run (n) {
  const sim = new Simulator({ seed: 14 })
  const cluster = new SimCluster(sim)
  const nodes = []
  for (let i = 0; i < n; i++) {
    const seed = new Uint8Array(32)
    new DataView(seed.buffer).setUint32(0, i + 1)
    const node = cluster.add(identityFromSeed(seed))
    if (i > 0) node.join(nodes[Math.floor(i / 2)].peerId)
    nodes.push(node)
    sim.run(20)
  }
  for (const node of nodes) for (const t of ['blocks', 'txs', 'status']) node.pubsub.join(t).subscribe()
  sim.run(10_000)
  nodes[0].broadcast(Buffer.from('shape the tree'))
  sim.run(5_000)
  const sizes = []
  const start = process.cpuUsage()
  for (const node of nodes) sizes.push(buildSummary(node, 1_800_000_000_000).length)
  const cpu = process.cpuUsage(start)
  const total = sizes.reduce((s, x) => s + x, 0)
  return { nodes: n, meanBytes: total / n, maxBytes: Math.max(...sizes), clusterBytes: total, buildUs: (cpu.user + cpu.system) / n }
}

export async function benchConsoleSummaries () {
  console.log('\nconsole summaries — whole nodes in the simulator, 3 topics subscribed everywhere; a summary per node in the replicated state')
  console.log('  nodes    bytes per summary (mean / max)   every summary, held by each node   build CPU per summary')
  const results = []
  for (const n of sizesFrom('CONSOLE_NODES', '1000')) {
    const r = run(n)
    results.push(r)
    console.log(`  ${String(n).padEnd(8)} ${`${r.meanBytes.toFixed(0)} / ${r.maxBytes}`.padEnd(32)} ${`${(r.clusterBytes / 1024).toFixed(0)} KiB`.padEnd(34)} ${r.buildUs.toFixed(0)} µs`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) await benchConsoleSummaries()
