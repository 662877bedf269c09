// Simulator scale benchmark for HyParView: growth of 100,000 nodes then 80% of them crashed at once, with
// the 10,000-node run as the reference in the same invocation. Prints wall time, simulated events per
// second and peak RSS of each run, the overlay figures, and the ratios large / reference.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const child = fileURLToPath(new URL('./membership-sim-child.mjs', import.meta.url))
const sizes = (process.env.BENCH_MEMBERSHIP_NODES ?? '10000,100000').split(',').map(Number)

function run (nodes) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=16384', child, String(nodes), '80'], { encoding: 'utf8' })
  return JSON.parse(out.trim().split('\n').pop())
}

export function benchMembershipSim () {
  console.log('\n## HyParView in the simulator: growth (one join every 0.5 ms, shuffle every 5 s), then 80% crashed')
  console.log('nodes      symmetric  component  first / 10th broadcast  recovered ms  events       wall s   events/s   peak RSS MB')
  const results = sizes.map(n => {
    const r = run(n)
    console.log(`${String(r.nodes).padEnd(10)} ${(r.symmetricPct.toFixed(2) + '%').padEnd(10)} ${(r.largestComponentPct.toFixed(2) + '%').padEnd(10)} ` +
      `${(r.reliability[0].toFixed(2) + '% / ' + r.reliability[9].toFixed(2) + '%').padEnd(23)} ${String(r.recoveredAfterMs).padEnd(13)} ${String(r.events).padEnd(12)} ` +
      `${(r.wallMs / 1000).toFixed(1).padEnd(8)} ${Math.round(r.eventsPerSec).toString().padEnd(10)} ${r.peakRssMB.toFixed(0)}`)
    return r
  })
  const ref = results[0]
  for (const r of results.slice(1)) {
    console.log(`ratio ${r.nodes} / ${ref.nodes} (reference): events/s ${(r.eventsPerSec / ref.eventsPerSec).toFixed(2)}×, ` +
      `peak RSS ${(r.peakRssMB / ref.peakRssMB).toFixed(2)}× for ${(r.nodes / ref.nodes).toFixed(0)}× the nodes, wall ${(r.wallMs / ref.wallMs).toFixed(2)}×`)
  }
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) benchMembershipSim()
