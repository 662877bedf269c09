// Simulator scale benchmark for Plumtree: a 100,000-node HyParView overlay plus 100 broadcasts, with the
// 10,000-node run as the reference in the same invocation. Prints wall time, simulated events per second,
// peak RSS and peak RSS per node of each run, the broadcast figures, and the ratios large / reference.
// Messages are handed over as objects with exact byte counts (BENCH_SIM_CODEC=on encodes them).
import { fileURLToPath } from 'node:url'
import { printRatios, runChild, scaleColumns, sizesFrom } from './lib.mjs'

const child = fileURLToPath(new URL('./broadcast-sim-child.mjs', import.meta.url))
const sizes = sizesFrom('BENCH_BROADCAST_NODES', '10000,100000')

export function benchBroadcastSim () {
  console.log('\n## Plumtree in the simulator: HyParView overlay, then 100 signed broadcasts 250 ms apart from random sources')
  console.log('nodes      reliability  RMR      LDH     sig/dlv  events        wall s   events/s   peak RSS MB  KB/node')
  const results = sizes.map(n => {
    const r = runChild(child, [n, 100])
    console.log(`${String(r.nodes).padEnd(10)} ${(r.reliability.toFixed(3) + '%').padEnd(12)} ${r.rmr.toFixed(4).padEnd(8)} ${r.ldh.toFixed(2).padEnd(7)} ${(r.sigChecksPerDelivery?.toFixed(3) ?? '-').padEnd(8)} ` +
      scaleColumns(r) + '  ' + (r.kbPerNode ?? 0).toFixed(1).padStart(7))
    return r
  })
  printRatios(results)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) benchBroadcastSim()
