/**
 * `grapevine sim paper gossipsub`: GossipSub's honest delivery under the attacks of the v1.1 evaluation
 * (Vyzovitis et al., "GossipSub: Attack-Resilient Message Propagation in the Filecoin and ETH2.0 Networks",
 * 2020, §6; the Gossipsub-v1.1 Evaluation Report PL-TechRep-2020-001 §7 eclipse of a single target, §12
 * cold boot, §13 covert flash), with peer scoring on (the report's parameters) and off. The attackers are
 * src/scenarios/sybil.ts; the network is src/scenarios/pubsub.ts.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { runPubsubScenario, type PubsubScenarioOptions, type PubsubScenarioResult } from '../scenarios/pubsub.js'
import { honestConfig, type SybilAttack } from '../scenarios/sybil.js'
import { cdfChart, type ReportData } from '../report/data.js'
import { writeReport } from '../report/html.js'
import { UsageError } from '../core/errors.js'
import { choices, num } from './args.js'

export const USAGE = `grapevine sim paper gossipsub [options]

GossipSub v1.1 under Sybil attacks (Vyzovitis et al. 2020 §6; evaluation report §7, §12, §13), peer
scoring on (the report's parameters, D 8) and off (no scores, v1.0's random mesh trimming). Sybils
join the mesh and drop every message: sybil (they connect to a formed network), eclipse (all on one
honest target), cold-boot (present from the start), covert-flash (cold boot; they forward until
--attack-delay, then all drop). Honest delivery of the messages published once the attack is on.

  --nodes N          honest nodes (default 300; the paper had 1,000 — see docs/papers-gossipsub.md)
  --sybils N         Sybils for sybil, cold-boot, covert-flash (default 300, each to 20 honest nodes)
  --eclipse-sybils N Sybils on the eclipse target (default 300)
  --attacks LIST     comma-separated, or all (default all)
  --seconds S        publishing time (default 30; 10 publishers × 1 message/s, 256 B)
  --attack-delay MS  covert flash: Sybils behave this long into publishing (default 15000)
  --seed S           seed (default 1)
  --json FILE        write the rows as JSON
  --report FILE.html charts: delivery within 250 ms and p99 latency per attack, latency CDFs
  --check            validate the options, print the plan, run nothing`

const ATTACKS: readonly SybilAttack[] = ['sybil', 'eclipse', 'cold-boot', 'covert-flash']

/** What the report and paper say per attack (qualitative: they give delivery as CDF plots, not one number). */
const PAPER: Record<string, string> = {
  sybil: 'v1.1 delivers all (report §2)',
  eclipse: 'v1.1 target recovers (report §7)',
  'cold-boot': 'v1.1 delivers all (report §12)',
  'covert-flash': 'v1.1 delivers all (report §13)'
}

export interface PaperGossipsubRow {
  attack: SybilAttack
  scoring: boolean
  deliveryRatio: number
  deliveredInTime: number
  latencyP50Ms: number
  latencyP99Ms: number
  sybilMeshShare: number
  target: { deliveryRatio: number, deliveredInTime: number, latencyP50Ms: number } | null
  wallSec: number
  paper: string
}

export function plan (argv: string[]): { runs: Array<{ attack: SybilAttack, scoring: boolean, options: Partial<PubsubScenarioOptions> }>, json?: string, report?: string, check: boolean, header: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' }, sybils: { type: 'string' }, 'eclipse-sybils': { type: 'string' }, attacks: { type: 'string' }, seconds: { type: 'string' },
      'attack-delay': { type: 'string' }, seed: { type: 'string' }, json: { type: 'string' }, report: { type: 'string' }, check: { type: 'boolean' }
    },
    strict: true
  })
  const nodes = num(values.nodes, 'nodes', 300, { min: 20, int: true })
  const sybils = num(values.sybils, 'sybils', 300, { min: 1, int: true })
  const eclipseSybils = num(values['eclipse-sybils'], 'eclipse-sybils', 300, { min: 1, int: true })
  const seconds = num(values.seconds, 'seconds', 30, { min: 5 })
  const attackDelayMs = num(values['attack-delay'], 'attack-delay', 15_000, { min: 0 })
  const seed = num(values.seed, 'seed', 1, { min: 0, int: true })
  const attacks = choices(values.attacks ?? 'all', 'attacks', 'sybil', ATTACKS)
  if (attackDelayMs >= seconds * 1000) throw new UsageError('ERR_ARG', '--attack-delay must be shorter than --seconds')
  const runs = attacks.flatMap(attack => [false, true].map(scoring => ({
    attack,
    scoring,
    options: {
      nodes, publishers: 10, rate: 1, seconds, sizeBytes: 256, latencyMs: 25, latencySpreadMs: 2.5, seed, attack, attackDelayMs,
      sybils: attack === 'eclipse' ? eclipseSybils : sybils, sybilDegree: 20,
      // The report's P3 (threshold 10 at 120 messages/s, activation 1 min), scaled to 10 messages/s and a 30 s run.
      gossipsub: honestConfig(scoring, { threshold: 1, activationMs: 10_000 })
    } satisfies Partial<PubsubScenarioOptions>
  })))
  const header = `${nodes} honest nodes (10 publishers × 1/s, ${seconds} s), ${sybils} Sybils × 20 links (eclipse: ${eclipseSybils} on one target), covert flash at +${attackDelayMs} ms, seed ${seed}`
  return { runs, json: values.json, report: values.report, check: values.check === true, header }
}

export function run (argv: string[], out: (line: string) => void = console.log): number {
  const p = plan(argv)
  out(`grapevine sim paper gossipsub: ${p.header}`)
  if (p.check) {
    for (const r of p.runs) out(`  would run: ${r.attack}, scoring ${r.scoring ? 'on' : 'off'}`)
    return 0
  }
  const rows: PaperGossipsubRow[] = []
  const results: PubsubScenarioResult[] = []
  const started = performance.now()
  out('')
  out('  attack        scoring  delivered  ≤250 ms   p50 ms  p99 ms  Sybil mesh share  target ≤250 ms / p50   paper')
  for (const r of p.runs) {
    const t = performance.now()
    const res = runPubsubScenario(r.options)
    const a = res.attack!
    const row: PaperGossipsubRow = {
      attack: r.attack, scoring: r.scoring, deliveryRatio: a.deliveryRatio, deliveredInTime: a.deliveredInTime, latencyP50Ms: a.latencyP50Ms,
      latencyP99Ms: a.latencyP99Ms, sybilMeshShare: a.sybilMeshShare, target: a.target, wallSec: (performance.now() - t) / 1000, paper: r.scoring ? PAPER[r.attack]! : '—'
    }
    rows.push(row)
    results.push(res)
    const pct = (x: number): string => `${(x * 100).toFixed(2)}%`
    out(`  ${r.attack.padEnd(13)} ${(r.scoring ? 'on' : 'off').padEnd(8)} ${pct(row.deliveryRatio).padStart(9)} ${pct(row.deliveredInTime).padStart(8)} ${row.latencyP50Ms.toFixed(0).padStart(7)} ${row.latencyP99Ms.toFixed(0).padStart(7)} ${pct(row.sybilMeshShare).padStart(17)}  ` +
      `${(row.target === null ? '—' : `${pct(row.target.deliveredInTime)} / ${row.target.latencyP50Ms.toFixed(0)} ms (${pct(row.target.deliveryRatio)} in all)`).padEnd(21)}  ${row.paper}`)
  }
  out(`wall ${((performance.now() - started) / 1000).toFixed(1)} s`)
  if (p.json !== undefined) {
    writeFileSync(p.json, JSON.stringify({ header: p.header, rows }, null, 2) + '\n')
    out(`wrote ${p.json}`)
  }
  if (p.report !== undefined) {
    writeReport(p.report, report(p.header, rows, results))
    out(`report written to ${p.report}`)
  }
  return 0
}

function report (header: string, rows: PaperGossipsubRow[], results: PubsubScenarioResult[]): ReportData {
  const attacks = [...new Set(rows.map(r => r.attack))]
  const pick = (scoring: boolean, f: (r: PaperGossipsubRow) => number): Array<number | null> => attacks.map(a => {
    const r = rows.find(x => x.attack === a && x.scoring === scoring)
    return r === undefined ? null : f(r)
  })
  const inTime = (r: PaperGossipsubRow): number => 100 * (r.target?.deliveredInTime ?? r.deliveredInTime)
  return {
    kind: 'pubsub',
    title: 'grapevine sim paper gossipsub: Sybil attacks, peer scoring on and off',
    subtitle: `${header}; x: ${attacks.map((a, i) => `${i} ${a}`).join(', ')}`,
    summary: rows.map(r => [`${r.attack}, scoring ${r.scoring ? 'on' : 'off'}`, `${(r.deliveryRatio * 100).toFixed(2)}% delivered, p99 ${r.latencyP99Ms.toFixed(0)} ms${r.target === null ? '' : `, target ${(r.target.deliveredInTime * 100).toFixed(1)}% ≤ 250 ms`}`]),
    charts: [
      { title: 'Delivered within 250 ms, % (eclipse: the target)', xLabel: 'attack', yLabel: '%', bars: true, x: attacks.map((_, i) => i), series: [{ label: 'scoring off', values: pick(false, inTime) }, { label: 'scoring on', values: pick(true, inTime) }] },
      { title: 'Latency p99 (ms), all honest nodes', xLabel: 'attack', yLabel: 'ms', bars: true, x: attacks.map((_, i) => i), series: [{ label: 'scoring off', values: pick(false, r => r.latencyP99Ms) }, { label: 'scoring on', values: pick(true, r => r.latencyP99Ms) }] },
      cdfChart('Delivery latency CDF, whole run', rows.map((r, i) => [`${r.attack} ${r.scoring ? 'on' : 'off'}`, results[i]!.latencyCdf]))
    ]
  }
}
