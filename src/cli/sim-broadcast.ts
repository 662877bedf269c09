/**
 * `grapevine sim broadcast`: Plumtree and flood gossip over a HyParView overlay in the simulator
 * (src/sim/scenarios/broadcast.ts): reliability, RMR, LDH, latency and control traffic per broadcast and
 * summarised after the warm-up; with --protocol both, the two side by side. Plumtree signs its broadcasts
 * (StrictSign) unless --policy nosign; the summary then says how many signatures were checked per delivery.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runBroadcastScenario, type BroadcastProtocol, type BroadcastScenarioResult } from '../scenarios/broadcast.js'
import { broadcastReport } from '../report/data.js'
import { writeReport } from '../report/html.js'
import { choice, num } from './args.js'

export const SIM_BROADCAST_USAGE = `grapevine sim broadcast [options]

Broadcast over a HyParView overlay in the simulator.

  --protocol P         plumtree | flood | both (default plumtree)
  --nodes N            nodes (default 1000)
  --messages M         broadcasts (default 200)
  --sources K          K fixed nodes broadcasting together, one message each per slot
                       (default 0: every broadcast from a random node)
  --interval-ms T      time between broadcast slots (default 1000)
  --warmup W           broadcasts left out of the summary while the tree forms (default 10)
  --fail PCT           crash PCT% of the nodes after broadcast --fail-after (default 0)
  --fail-after B       (default 10)
  --seed S             seed (default 1)
  --policy sign|nosign Plumtree's signature policy: StrictSign or StrictNoSign (default sign)
  --codec on|off       encode and decode every message (default on)
  --json FILE          write the result(s) as JSON
  --quiet              no per-broadcast table
  --report FILE.html   write a self-contained HTML report: RMR, LDH and latency per broadcast of
                       Plumtree and flood (the other one runs too), the latency CDF, and a replay
                       of the last broadcast`

export function simBroadcast (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      protocol: { type: 'string' },
      nodes: { type: 'string' },
      messages: { type: 'string' },
      sources: { type: 'string' },
      'interval-ms': { type: 'string' },
      warmup: { type: 'string' },
      fail: { type: 'string' },
      'fail-after': { type: 'string' },
      seed: { type: 'string' },
      codec: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      quiet: { type: 'boolean' }
    },
    strict: true
  })
  const which = choice(values.protocol, 'protocol', 'plumtree', ['plumtree', 'flood', 'both'])
  const protocols: BroadcastProtocol[] = which === 'both' ? ['plumtree', 'flood'] : [which]
  const opts = {
    nodes: num(values.nodes, 'nodes', 1000, { min: 2, int: true }),
    messages: num(values.messages, 'messages', 200, { min: 1, int: true }),
    sources: num(values.sources, 'sources', 0, { min: 0, int: true }),
    intervalMs: num(values['interval-ms'], 'interval-ms', 1000, { min: 1 }),
    warmup: num(values.warmup, 'warmup', 10, { min: 0, int: true }),
    failPct: num(values.fail, 'fail', 0, { min: 0, max: 100 }),
    failAfter: num(values['fail-after'], 'fail-after', 10, { min: 0, int: true }),
    seed: num(values.seed, 'seed', 1, { min: 0, int: true }),
    codec: choice(values.codec, 'codec', 'on', ['on', 'off']) === 'on',
    trace: values.report !== undefined,
    plumtree: { signaturePolicy: choice(values.policy, 'policy', 'sign', ['sign', 'nosign']) === 'sign' ? 'StrictSign' as const : 'StrictNoSign' as const }
  }
  const header = `${protocols.join(' vs ')}, ${opts.nodes} nodes, ${opts.messages} broadcasts ` +
    `${opts.sources > 0 ? `from ${opts.sources} concurrent sources` : 'from random sources'}, one slot every ${opts.intervalMs} ms` +
    `${opts.failPct > 0 ? `, ${opts.failPct}% crashed after broadcast ${opts.failAfter}` : ''}, warm-up ${opts.warmup}, seed ${opts.seed}` +
    `${protocols.includes('plumtree') ? `, Plumtree ${opts.plumtree.signaturePolicy}` : ''}`
  out(`grapevine sim broadcast: ${header}`)
  const results: BroadcastScenarioResult[] = []
  for (const protocol of protocols) {
    const started = performance.now()
    const r = runBroadcastScenario({ ...opts, protocol })
    const wall = (performance.now() - started) / 1000
    results.push(r)
    out(`  ${protocol}: ${r.events.toLocaleString('en-US')} events in ${wall.toFixed(1)} s wall (${Math.round(r.events / wall).toLocaleString('en-US')} events/s)`)
  }
  if (values.quiet !== true) printPerBroadcast(results, opts.warmup, opts.failPct > 0 ? opts.failAfter : -1, out)
  out('')
  out(`summary after the warm-up   ${results.map(r => r.protocol.padStart(12)).join('')}`)
  const row = (label: string, f: (r: BroadcastScenarioResult) => string): void => out(`  ${label.padEnd(26)}${results.map(r => f(r).padStart(12)).join('')}`)
  row('reliability', r => `${r.reliability.toFixed(3)}%`)
  row('RMR', r => r.rmr.toFixed(4))
  row('LDH (last delivery hop)', r => r.ldh.toFixed(2))
  row('latency p50', r => `${r.latencyP50Ms.toFixed(0)} ms`)
  row('latency p99', r => `${r.latencyP99Ms.toFixed(0)} ms`)
  row('control msgs / node / bcast', r => r.controlPerNodePerBroadcast.toFixed(3))
  if (results.some(r => r.signatures !== null)) {
    row('signature checks / delivery', r => r.signatures === null ? '-' : r.signatures.perDelivery.toFixed(3))
    row('Ed25519 verifications', r => r.signatures === null ? '-' : r.signatures.computed.toLocaleString('en-US'))
  }
  if (opts.failPct > 0) {
    row('bcasts to 100% after crash', r => String(r.broadcastsToFullReliability ?? 'never'))
    row('bcasts to RMR < 0.1', r => String(r.broadcastsToLowRmr ?? 'never'))
  }
  if (results.length === 2) out(`  LDH ratio plumtree / flood: ${(results[0]!.ldh / results[1]!.ldh).toFixed(3)}`)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify(results.length === 1 ? results[0] : { runs: results, ...results[0] }, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    // Plumtree against flood: the one not asked for runs for the report.
    const other: BroadcastProtocol = protocols[0] === 'plumtree' ? 'flood' : 'plumtree'
    const both = results.length === 2 ? results : [...results, runBroadcastScenario({ ...opts, protocol: other })]
    writeReport(values.report, broadcastReport(both, results.length === 2 ? header : `${header} (and ${other}, for comparison)`))
    out(`report written to ${values.report}`)
  }
  return 0
}

function printPerBroadcast (results: BroadcastScenarioResult[], warmup: number, failAfter: number, out: (line: string) => void): void {
  out('')
  out(`  #   ${results.map(r => `${r.protocol}: reliability    RMR  LDH`.padStart(38)).join('')}`)
  const n = Math.max(...results.map(r => r.perBroadcast.length))
  for (let i = 0; i < n; i++) {
    // Every broadcast of the warm-up and around a crash; every tenth after that.
    const near = failAfter >= 0 && i >= failAfter - 1 && i < failAfter + 15
    if (i >= warmup && !near && (i + 1) % 10 !== 0 && i !== n - 1) continue
    const mark = i < warmup ? ' (warm-up)' : i === failAfter ? ' (crash)' : ''
    const cells = results.map(r => {
      const b = r.perBroadcast[i]
      return b === undefined ? ''.padStart(38) : `${b.reliability.toFixed(2).padStart(26)}% ${b.rmr.toFixed(3).padStart(6)} ${String(b.ldh).padStart(4)}`
    })
    out(`${String(i + 1).padStart(4)} ${cells.join('')}${mark}`)
  }
}
