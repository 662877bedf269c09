// Simulator scale benchmark for anti-entropy: a 100,000-node push-pull convergence of one update, with the
// 10,000-node run as the reference in the same invocation. Prints wall time, simulated events per second
// and peak RSS of each run, and the ratios large / reference.
import { fileURLToPath } from 'node:url'
import { printRatios, runChild, scaleColumns, sizesFrom } from './lib.mjs'

const child = fileURLToPath(new URL('./state-sim-child.mjs', import.meta.url))
const sizes = sizesFrom('BENCH_STATE_NODES', '10000,100000')

export function benchStateSim () {
  console.log('\n## anti-entropy in the simulator: one update, push-pull, delta content')
  console.log('nodes      converged  rounds  events        wall s   events/s   peak RSS MB')
  const results = sizes.map(n => {
    const r = runChild(child, [n, 'pushpull', 1])
    console.log(`${String(r.nodes).padEnd(10)} ${String(r.converged && r.identical).padEnd(10)} ${String(r.rounds).padEnd(7)} ${scaleColumns(r)}`)
    return r
  })
  printRatios(results)
  return results
}

if (import.meta.url === `file://${process.argv[1]}`) benchStateSim()
