// A newcomer catching up on a real 5-node cluster (127.0.0.1, one process) in which every node wrote
// KEYS keys: how long it took, bytes it received, signatures it checked and the process CPU meanwhile,
// signed (StrictSign) against unsigned (StrictNoSign) in the same invocation.
import { createNode } from '../dist/src/net/create-node.js'
import { waitUntil } from '../dist/src/agent/cluster.js'

const KEYS = Number(process.env.BENCH_CATCHUP_KEYS ?? 10_000)
const listen = ['/ip4/127.0.0.1/tcp/0']

async function run (policy) {
  const state = { signaturePolicy: policy }
  const nodes = []
  try {
    for (let i = 0; i < 5; i++) {
      nodes.push(await createNode({ listen, state, discovery: false, ...(i > 0 ? { bootstrap: [nodes[0].multiaddrs()[0]] } : {}) }))
    }
    const value = 'x'.repeat(32)
    await Promise.all(nodes.map(async n => { for (let k = 0; k < KEYS; k += 500) await Promise.all(Array.from({ length: 500 }, (_, j) => n.state.set(`key-${k + j}`, value))) }))
    const total = 5 * KEYS
    await waitUntil('the cluster to converge', () => nodes.every(n => n.state.size().entries >= total), 300_000, 200)
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const newcomer = await createNode({ listen, state, discovery: false, bootstrap: [nodes[0].multiaddrs()[0]] })
    nodes.push(newcomer)
    await waitUntil('the newcomer to catch up', () => newcomer.state.size().entries >= total, 300_000, 50)
    const ms = performance.now() - t0
    const cpu = process.cpuUsage(cpu0)
    const info = newcomer.info()
    return { policy, seconds: ms / 1000, cpuS: (cpu.user + cpu.system) / 1e6, mbIn: info.driver.bytesIn / 1e6, checked: info.stateStats.signaturesChecked, entries: info.stateEntries }
  } finally {
    for (const n of nodes) await n.stop()
  }
}

const rows = [await run('StrictNoSign'), await run('StrictSign')]
for (const r of rows) console.log(JSON.stringify(r))
console.log(`ratios signed / unsigned: time ${(rows[1].seconds / rows[0].seconds).toFixed(2)}×, CPU ${(rows[1].cpuS / rows[0].cpuS).toFixed(2)}×, bytes ${(rows[1].mbIn / rows[0].mbIn).toFixed(2)}×`)
