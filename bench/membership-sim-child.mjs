// One HyParView growth + mass-failure run in a process of its own, so its peak memory is its own.
import { runMembershipScenario } from '../dist/src/scenarios/membership.js'

// Arguments: nodes, % crashed (80), ms between joins (0.5).
const [nodes, failPct = '80', joinMs = '0.5'] = process.argv.slice(2)
// Messages are handed over as objects with their exact encoded sizes counted (the codec is not what this
// measures; BENCH_SIM_CODEC=on encodes and decodes every message as the CLI's runs do).
const codec = process.env.BENCH_SIM_CODEC === 'on'
const t0 = performance.now()
const r = runMembershipScenario({
  scenario: 'failure',
  nodes: Number(nodes),
  failPct: Number(failPct),
  broadcasts: 10,
  joinIntervalMs: Number(joinMs),
  stabilizeMs: 20_000,
  codec,
  membership: { shufflePeriodMs: 5_000, repairPeriodMs: 1_000 }
})
const wallMs = performance.now() - t0
console.log(JSON.stringify({
  nodes: r.nodes,
  failPct: Number(failPct),
  joinIntervalMs: Number(joinMs),
  symmetricPct: r.symmetricPct,
  largestComponentPct: r.largestComponentPct,
  reliability: r.reliability,
  recoveredAfterMs: r.recoveredAfterMs,
  events: r.events,
  wallMs,
  eventsPerSec: r.events / (wallMs / 1000),
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  kbPerNode: process.resourceUsage().maxRSS / Number(nodes),
  codec
}))
