// One simulator run in a process of its own, so its peak memory is its own. Prints one JSON line.
import { runStateScenario } from '../dist/src/scenarios/state.js'

const [nodes, style = 'pushpull', seed = '1'] = process.argv.slice(2)
const t0 = performance.now()
const r = runStateScenario({ nodes: Number(nodes), style, seed: Number(seed), updates: 1 })
const wallMs = performance.now() - t0
console.log(JSON.stringify({
  nodes: r.nodes,
  style,
  converged: r.converged,
  identical: r.identical,
  rounds: r.rounds,
  events: r.events,
  wallMs,
  eventsPerSec: r.events / (wallMs / 1000),
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  bytesPerNodePerRound: r.bytesPerNodePerRound
}))
