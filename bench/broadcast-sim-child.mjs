// One Plumtree run (signed, StrictSign) over a HyParView overlay in a process of its own, so its peak memory is its own.
import { runBroadcastScenario } from '../dist/src/scenarios/broadcast.js'

const [nodes, messages = '100'] = process.argv.slice(2)
// Messages are handed over as objects with their exact encoded sizes counted (the codec is not what this
// measures; BENCH_SIM_CODEC=on encodes and decodes every message as the CLI's runs do).
const codec = process.env.BENCH_SIM_CODEC === 'on'
const t0 = performance.now()
const r = runBroadcastScenario({
  protocol: 'plumtree',
  nodes: Number(nodes),
  messages: Number(messages),
  intervalMs: 250,
  joinIntervalMs: 0.2,
  stabilizeMs: 5_000,
  codec,
  membership: { shufflePeriodMs: 10_000, repairPeriodMs: 1_000 }
})
const wallMs = performance.now() - t0
console.log(JSON.stringify({
  nodes: r.nodes,
  messages: r.perBroadcast.length,
  reliability: r.reliability,
  rmr: r.rmr,
  ldh: r.ldh,
  // StrictSign: signature checks per delivery (1 = verified once per message at each node).
  sigChecksPerDelivery: r.signatures?.perDelivery ?? null,
  events: r.events,
  wallMs,
  eventsPerSec: r.events / (wallMs / 1000),
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  kbPerNode: process.resourceUsage().maxRSS / Number(nodes),
  codec
}))
