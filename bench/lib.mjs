// Shared by the simulator benchmarks: run one measurement in a child process (so its peak memory is its
// own) and print the ratios of each run against the first one, the reference of the same invocation.
import { execFileSync } from 'node:child_process'

/** The benchmarks `npm run bench` runs, by the names BENCH_ONLY takes. */
export const BENCH_NAMES = ['pubsub-net', 'pubsub-service-net', 'verify-net', 'publish-net', 'pubsub-join-net', 'cluster-net', 'discovery-net', 'console-summaries', 'console-frames', 'console-agent-cpu', 'state', 'state-trust', 'membership', 'broadcast']

/** Runs `script` with `args` in a fresh Node process with a large heap; returns its last line as JSON. */
export function runChild (script, args) {
  const out = execFileSync(process.execPath, ['--max-old-space-size=16384', script, ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24 })
  return JSON.parse(out.trim().split('\n').pop())
}

/** Sizes from an environment variable (a comma list), or the defaults. */
export function sizesFrom (name, dflt) {
  return (process.env[name] ?? dflt).split(',').map(Number)
}

/** One line per run after the first: events/s, peak RSS and wall time relative to the first run. */
export function printRatios (results) {
  const ref = results[0]
  for (const r of results.slice(1)) {
    console.log(`ratio ${r.nodes} / ${ref.nodes} (reference): events/s ${(r.eventsPerSec / ref.eventsPerSec).toFixed(2)}×, ` +
      `peak RSS ${(r.peakRssMB / ref.peakRssMB).toFixed(2)}× for ${(r.nodes / ref.nodes).toFixed(0)}× the nodes, wall ${(r.wallMs / ref.wallMs).toFixed(2)}×`)
  }
}

/** The columns every simulator benchmark ends with. */
export function scaleColumns (r) {
  return `${String(r.events).padEnd(13)} ${(r.wallMs / 1000).toFixed(1).padEnd(8)} ${Math.round(r.eventsPerSec).toString().padEnd(10)} ${r.peakRssMB.toFixed(0)}`
}
