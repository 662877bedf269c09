/**
 * `grapevine sim membership`: HyParView growth, mass-failure and churn experiments in the simulator
 * (src/sim/scenarios/membership.ts), printed as tables, optionally written as JSON.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runMembershipScenario, type MembershipScenarioKind, type MembershipScenarioResult } from '../scenarios/membership.js'
import type { Distribution, OverlayMetrics } from '../scenarios/overlay.js'
import { membershipReport } from '../report/data.js'
import { writeReport } from '../report/html.js'
import { choice, num } from './args.js'

export const SIM_MEMBERSHIP_USAGE = `grapevine sim membership [options]

HyParView in the simulator: growth, mass failure, churn.

  --scenario S         growth | failure | churn (default growth)
  --nodes N            nodes (default 1000)
  --fail PCT           failure: percentage of nodes crashed at once (default 50)
  --broadcasts B       failure / churn: broadcasts, one per virtual second (default 50)
  --churn R            churn: nodes crashing, and nodes joining, per second each (default 1)
  --join-interval-ms T growth: one join every T ms (default 5)
  --stabilize-ms T     time the overlay runs after the last join (default 30000)
  --shuffle-ms T       shuffle period (default 1000: one "cycle" of the paper)
  --seed S             seed (default 1)
  --codec on|off       encode and decode every message (default on)
  --json FILE          write the result as JSON
  --report FILE.html   write a self-contained HTML report: reliability per broadcast, the in-degree
                       distribution, and a replay of the last broadcast (growth: one extra at the end)`

export function simMembership (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      nodes: { type: 'string' },
      fail: { type: 'string' },
      broadcasts: { type: 'string' },
      churn: { type: 'string' },
      'join-interval-ms': { type: 'string' },
      'stabilize-ms': { type: 'string' },
      'shuffle-ms': { type: 'string' },
      seed: { type: 'string' },
      codec: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' }
    },
    strict: true
  })
  const scenario = choice<MembershipScenarioKind>(values.scenario, 'scenario', 'growth', ['growth', 'failure', 'churn'])
  const shuffle = num(values['shuffle-ms'], 'shuffle-ms', 1000, { min: 1 })
  const opts = {
    scenario,
    nodes: num(values.nodes, 'nodes', 1000, { min: 2, int: true }),
    failPct: num(values.fail, 'fail', 50, { min: 0, max: 100 }),
    broadcasts: num(values.broadcasts, 'broadcasts', 50, { min: 1, int: true }),
    churnPerSec: num(values.churn, 'churn', 1, { min: 0 }),
    joinIntervalMs: num(values['join-interval-ms'], 'join-interval-ms', 5, { min: 0 }),
    stabilizeMs: num(values['stabilize-ms'], 'stabilize-ms', 30_000, { min: 0 }),
    seed: num(values.seed, 'seed', 1, { min: 0, int: true }),
    codec: choice(values.codec, 'codec', 'on', ['on', 'off']) === 'on',
    membership: { shufflePeriodMs: shuffle, repairPeriodMs: 1000 },
    trace: values.report !== undefined
  }
  const header = `${scenario}, ${opts.nodes} nodes` +
    (scenario === 'failure' ? `, ${opts.failPct}% crashed at once` : '') +
    (scenario === 'churn' ? `, ${opts.churnPerSec} crash(es) + ${opts.churnPerSec} join(s) per second` : '') +
    `, HyParView active 5 / passive 30, shuffle every ${shuffle} ms, seed ${opts.seed}`
  out(`grapevine sim membership: ${header}`)
  const started = performance.now()
  const r = runMembershipScenario(opts)
  const wall = (performance.now() - started) / 1000

  out('')
  out(scenario === 'growth' ? 'overlay after growth:' : 'overlay before the experiment:')
  printOverlay(r.overlay, out)
  if (scenario === 'failure') printFailure(r, out)
  if (scenario === 'churn') printChurn(r, out)
  out('')
  out(`wall ${wall.toFixed(1)} s, ${r.events.toLocaleString('en-US')} simulated events (${Math.round(r.events / wall).toLocaleString('en-US')} events/s), ` +
    `${(r.virtualMs / 1000).toFixed(0)} virtual s, membership ${(r.traffic.sent / r.nodes / (r.virtualMs / 1000)).toFixed(2)} msgs/node/s`)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify(r, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    writeReport(values.report, membershipReport(r, header))
    out(`report written to ${values.report}`)
  }
  return 0
}

function printOverlay (m: OverlayMetrics, out: (line: string) => void): void {
  out(`  live nodes                 ${m.liveNodes}`)
  out(`  symmetric active links     ${m.symmetricPct.toFixed(2)}%`)
  out(`  largest component          ${m.largestComponentPct.toFixed(2)}% of live nodes (${m.components} component${m.components === 1 ? '' : 's'})`)
  out(`  average shortest path      ${m.avgPathLength.toFixed(3)} hops`)
  out(`  clustering coefficient     ${m.clustering.toFixed(5)}`)
  out(`  active-view in-degree      ${dist(m.activeInDegree)}`)
  out(`  passive-view in-degree     ${dist(m.passiveInDegree)}`)
}

function dist (d: Distribution): string {
  const hist = Object.entries(d.histogram).map(([k, v]) => `${k}:${v}`)
  const shown = hist.length > 12 ? `${hist.slice(0, 6).join(' ')} … ${hist.slice(-3).join(' ')}` : hist.join(' ')
  return `mean ${d.mean.toFixed(2)} sd ${d.stddev.toFixed(2)} min ${d.min} max ${d.max}  [${shown}]`
}

function printFailure (r: MembershipScenarioResult, out: (line: string) => void): void {
  out('')
  out('reliability of each broadcast after the crash (one per second, % of live nodes reached):')
  for (let i = 0; i < r.reliability.length; i += 10) {
    out(`  ${String(i + 1).padStart(3)}–${String(Math.min(i + 10, r.reliability.length)).padEnd(3)} ${r.reliability.slice(i, i + 10).map(x => x.toFixed(2).padStart(7)).join('')}`)
  }
  out(r.recoveredAfterMs === null
    ? 'not back at 100% by the last broadcast'
    : `back at 100% (and staying there) from broadcast ${r.recoveredAfterMs / 1000}: ${r.recoveredAfterMs} ms after the crash = ${r.recoveredAfterPeriods} repair periods`)
  if (r.health.length > 0) {
    out('largest component of the survivors\' active graph, each second after the crash (%):')
    for (let i = 0; i < r.health.length; i += 10) {
      out(`  ${String(i + 1).padStart(3)}–${String(Math.min(i + 10, r.health.length)).padEnd(3)} ${r.health.slice(i, i + 10).map(h => h.largestComponentPct.toFixed(2).padStart(7)).join('')}`)
    }
    out(r.connectedAfterMs === null
      ? 'survivors not in one component (≥ 99.5%) by the last second'
      : `≥ 99.5% of the survivors in one component (and staying so) from ${r.connectedAfterMs / 1000} s after the crash`)
  }
  if (r.trafficAfterCrash !== undefined) out(`membership messages after the crash: ${r.trafficAfterCrash.perNodePerSec.toFixed(3)} per survivor per second`)
  if (r.overlayAfter !== undefined) {
    out('overlay at the end:')
    printOverlay(r.overlayAfter, out)
  }
}

function printChurn (r: MembershipScenarioResult, out: (line: string) => void): void {
  out('')
  out('view health during churn:')
  out('  time s   live   avg active   symmetric   largest component')
  for (const h of r.health) {
    out(`  ${String(h.atMs / 1000).padStart(6)} ${String(h.liveNodes).padStart(6)} ${h.avgActive.toFixed(2).padStart(12)} ${h.symmetricPct.toFixed(2).padStart(10)}% ${h.largestComponentPct.toFixed(2).padStart(18)}%`)
  }
  const rel = r.reliability
  const full = rel.filter(x => x === 100).length
  out(`reliability over ${rel.length} broadcasts: min ${Math.min(...rel).toFixed(2)}%, mean ${(rel.reduce((a, b) => a + b, 0) / rel.length).toFixed(3)}%, ${full} at 100%`)
}
