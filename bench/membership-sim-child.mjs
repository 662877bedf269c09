// One HyParView growth + mass-failure run in a process of its own, so its peak memory is its own.
import { runMembershipScenario } from '../dist/src/scenarios/membership.js'

const [nodes, failPct = '80'] = process.argv.slice(2)
const t0 = performance.now()
const r = runMembershipScenario({
  scenario: 'failure',
  nodes: Number(nodes),
  failPct: Number(failPct),
  broadcasts: 10,
  joinIntervalMs: 0.5,
  stabilizeMs: 20_000,
  membership: { shufflePeriodMs: 5_000, repairPeriodMs: 1_000 }
})
const wallMs = performance.now() - t0
console.log(JSON.stringify({
  nodes: r.nodes,
  failPct: Number(failPct),
  symmetricPct: r.symmetricPct,
  largestComponentPct: r.largestComponentPct,
  reliability: r.reliability,
  recoveredAfterMs: r.recoveredAfterMs,
  events: r.events,
  wallMs,
  eventsPerSec: r.events / (wallMs / 1000),
  peakRssMB: process.resourceUsage().maxRSS / 1024
}))
