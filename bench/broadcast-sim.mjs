// Simulator scale benchmark for Plumtree: a 100,000-node HyParView overlay plus 100 broadcasts, with the
// 10,000-node run as the reference in the same invocation. Prints wall time, simulated events per second
// and peak RSS of each run, the broadcast figures, and the ratios large / reference.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const child = fileURLToPath(new URL('./broadcast-sim-child.mjs', import.meta.url))
const sizes = (process.env.BENCH_BROADCAST_NODES ?? '10000,100000').split(',').map(Number)

function run (nodes) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=16384', child, String(nodes), '100'], { encoding: 'utf8', maxBuffer: 1 << 24 })
  return JSON.parse(out.trim().split('\n').pop())
}

export function benchBroadcastSim () {
  console.log('\n## Plumtree in the simulator: HyParView overlay, then 100 broadcasts 250 ms apart from random sources')
  console.log('nodes      reliability  RMR      LDH     events        wall s   events/s   peak RSS MB')
  const results = sizes.map(n => {
    const r = run(n)
    console.log(`${String(r.nodes).padEnd(10)} ${(r.reliability.toFixed(3) + '%').padEnd(12)} ${r.rmr.toFixed(4).padEnd(8)} ${r.ldh.toFixed(2).padEnd(7)} ` +
      `${String(r.events).padEnd(13)} ${(r.wallMs / 1000).toFixed(1).padEnd(8)} ${Math.round(r.eventsPerSec).toString().padEnd(10)} ${r.peakRssMB.toFixed(0)}`)
    return r
  })
  const ref = results[0]
  for (const r of results.slice(1)) {
    console.log(`ratio ${r.nodes} / ${ref.nodes} (reference): events/s ${(r.eventsPerSec / ref.eventsPerSec).toFixed(2)}×, ` +
      `peak RSS ${(r.peakRssMB / ref.peakRssMB).toFixed(2)}× for ${(r.nodes / ref.nodes).toFixed(0)}× the nodes, wall ${(r.wallMs / ref.wallMs).toFixed(2)}×`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) benchBroadcastSim()
