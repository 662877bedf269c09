// Simulator scale benchmark for HyParView: growth of 100,000 nodes then 80% of them crashed at once, with
// the 10,000-node run as the reference in the same invocation. Prints wall time, simulated events per
// second, peak RSS and peak RSS per node of each run, the overlay figures, and the ratios large /
// reference. Messages are handed over as objects with exact byte counts (BENCH_SIM_CODEC=on encodes them).
import { fileURLToPath } from 'node:url'
import { printRatios, runChild, scaleColumns, sizesFrom } from './lib.mjs'

const child = fileURLToPath(new URL('./membership-sim-child.mjs', import.meta.url))
const sizes = sizesFrom('BENCH_MEMBERSHIP_NODES', '10000,100000')

export function benchMembershipSim () {
  console.log('\n## HyParView in the simulator: growth (one join every 0.5 ms, shuffle every 5 s), then 80% crashed')
  console.log('nodes      symmetric  component  first / 10th broadcast  recovered ms  events        wall s   events/s   peak RSS MB  KB/node')
  const results = sizes.map(n => {
    const r = runChild(child, [n, 80])
    console.log(`${String(r.nodes).padEnd(10)} ${(r.symmetricPct.toFixed(2) + '%').padEnd(10)} ${(r.largestComponentPct.toFixed(2) + '%').padEnd(10)} ` +
      `${(r.reliability[0].toFixed(2) + '% / ' + r.reliability[9].toFixed(2) + '%').padEnd(23)} ${String(r.recoveredAfterMs).padEnd(13)} ` +
      scaleColumns(r) + '  ' + (r.kbPerNode ?? 0).toFixed(1).padStart(7))
    return r
  })
  printRatios(results)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) benchMembershipSim()
