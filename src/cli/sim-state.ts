/**
 * `grapevine sim state`: runs the anti-entropy scenario (src/sim/scenarios/state.ts) for one or more
 * exchange styles and seeds, prints the uninformed fraction round by round, convergence, traffic and the
 * theoretical round count, and optionally writes JSON.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { Content, ExchangeStyle } from '../state/antientropy.js'
import { runStateScenario, type StateScenarioResult } from '../scenarios/state.js'
import { median } from '../scenarios/stats.js'
import { stateReport } from '../report/data.js'
import { writeReport } from '../report/html.js'
import { choice, choices, num } from './args.js'

export const SIM_STATE_USAGE = `grapevine sim state [options]

Anti-entropy convergence of a replicated map in the simulator.

  --nodes N            nodes (default 1000)
  --mode M             push | pull | pushpull, a comma list, or all (default pushpull)
  --content C          delta | full (default delta)
  --updates K          fresh keys written at t0 by random nodes (default 1)
  --keys M             size of the initial replicated map (default 0)
  --changed F          fraction of the initial keys rewritten at t0 (default 0)
  --value-bytes B      value size (default 16)
  --loss P             message loss probability (default 0)
  --partition-ms T     split the nodes in two halves at t0, heal after T ms (default 0: none)
  --period-ms T        anti-entropy period (default 1000)
  --mtu B              largest delta message (default 65536)
  --max-rounds R       give up after R rounds (default 200)
  --codec on|off       encode and decode every message (default on); off is faster and still counts
                       exact bytes
  --seed S             first seed (default 1)
  --seeds K            run K seeds (S, S+1, …) and report medians (default 1)
  --json FILE          write the results as JSON
  --report FILE.html   write a self-contained HTML report: the uninformed fraction per round of push,
                       pull and push-pull (the others run too) against the theory
  --quiet              print only the summary`

const STYLE_NAME: Record<ExchangeStyle, string> = { push: 'push', pull: 'pull', pushpull: 'push-pull' }
const THEORY: Record<ExchangeStyle, string> = { push: 'log₂n + ln n', pull: 'log₂n + ln ln n', pushpull: 'log₃n + ln ln n' }

export function simState (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      mode: { type: 'string' },
      content: { type: 'string' },
      updates: { type: 'string' },
      keys: { type: 'string' },
      changed: { type: 'string' },
      'value-bytes': { type: 'string' },
      loss: { type: 'string' },
      'partition-ms': { type: 'string' },
      'period-ms': { type: 'string' },
      mtu: { type: 'string' },
      'max-rounds': { type: 'string' },
      seed: { type: 'string' },
      seeds: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      codec: { type: 'string' },
      quiet: { type: 'boolean' }
    },
    strict: true
  })
  const styles = choices<ExchangeStyle>(values.mode, 'mode', 'pushpull', ['push', 'pull', 'pushpull'])
  const content = choice<Content>(values.content, 'content', 'delta', ['delta', 'full'])
  const nodes = num(values.nodes, 'nodes', 1000, { min: 2, int: true })
  const seed = num(values.seed, 'seed', 1, { min: 0, int: true })
  const seeds = num(values.seeds, 'seeds', 1, { min: 1, int: true })
  const base = {
    nodes,
    content,
    updates: num(values.updates, 'updates', 1, { min: 0, int: true }),
    keys: num(values.keys, 'keys', 0, { min: 0, int: true }),
    changed: num(values.changed, 'changed', 0, { min: 0, max: 1 }),
    valueBytes: num(values['value-bytes'], 'value-bytes', 16, { min: 0, int: true }),
    loss: num(values.loss, 'loss', 0, { min: 0, max: 0.99 }),
    partitionMs: num(values['partition-ms'], 'partition-ms', 0, { min: 0 }),
    periodMs: num(values['period-ms'], 'period-ms', 1000, { min: 1 }),
    mtu: num(values.mtu, 'mtu', 65536, { min: 512, int: true }),
    maxRounds: num(values['max-rounds'], 'max-rounds', 200, { min: 1, int: true }),
    codec: choice(values.codec, 'codec', 'on', ['on', 'off']) === 'on'
  }
  if (base.updates === 0 && (base.keys === 0 || base.changed === 0)) {
    out('Nothing to spread: give --updates K, or --keys M with --changed F.')
    return 2
  }
  const quiet = values.quiet === true
  const header = `${nodes} nodes, ${styles.map(s => STYLE_NAME[s]).join(' / ')}, ${content} content, ` +
    `${base.updates} update(s), ${base.keys} keys with ${(base.changed * 100).toFixed(2)}% changed, loss ${(base.loss * 100).toFixed(0)}%` +
    `${base.partitionMs > 0 ? `, partition healed after ${base.partitionMs} ms` : ''}, seed${seeds > 1 ? `s ${seed}–${seed + seeds - 1}` : ` ${seed}`}`
  out(`grapevine sim state: ${header}`)

  const runs: StateScenarioResult[][] = styles.map(() => [])
  const started = performance.now()
  let events = 0
  for (let i = 0; i < seeds; i++) {
    styles.forEach((style, j) => {
      const r = runStateScenario({ ...base, style, seed: seed + i })
      events += r.events
      runs[j]!.push(r)
      if (seeds > 1 && !quiet) {
        out(`  seed ${seed + i} ${STYLE_NAME[style].padEnd(9)} ${r.converged ? `converged in ${r.rounds} rounds` : `NOT converged after ${r.rounds} rounds`}`)
      }
    })
  }
  const wall = (performance.now() - started) / 1000

  if (!quiet) printRoundTable(styles, runs.map(r => r[0]!), out)
  out('')
  for (const [j, style] of styles.entries()) {
    const rs = runs[j]!
    const ok = rs.every(r => r.converged)
    const med = median(rs.map(r => r.rounds))
    out(`${STYLE_NAME[style]}: ${ok ? 'converged' : 'NOT converged'}${seeds > 1 ? ` (${rs.filter(r => r.converged).length}/${rs.length} seeds)` : ''} in ` +
      `${seeds > 1 ? 'median ' : ''}${med} rounds, ${fmt(median(rs.map(r => r.virtualMs)))} virtual ms; ` +
      `theory ≈ ${rs[0]!.theoryRounds.toFixed(1)} rounds (${THEORY[style]})`)
    out(`  per node per round: ${median(rs.map(r => r.messagesPerNodePerRound)).toFixed(2)} messages, ${fmt(median(rs.map(r => r.bytesPerNodePerRound)))} bytes; ` +
      `identical state on every live node: ${rs.every(r => r.identical) ? 'yes' : 'NO'}`)
  }
  out(`wall ${wall.toFixed(1)} s, ${fmt(events)} simulated events (${fmt(events / wall)} events/s)`)

  if (values.json !== undefined) {
    const summaries = styles.map((style, j) => summarise(style, runs[j]!))
    writeFileSync(values.json, JSON.stringify(summaries.length === 1 ? summaries[0] : { modes: summaries, ...summaries[0] }, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    // Every style, for the comparison: the ones not asked for run once, with the first seed.
    const all = (['push', 'pull', 'pushpull'] as const).map(style => {
      const j = styles.indexOf(style)
      return j >= 0 ? runs[j]![0]! : runStateScenario({ ...base, style, seed })
    })
    writeReport(values.report, stateReport(all, header))
    out(`report written to ${values.report}`)
  }
  return runs.every(rs => rs.every(r => r.converged)) ? 0 : 1
}

function summarise (style: ExchangeStyle, rs: StateScenarioResult[]): object {
  const first = rs[0]!
  const single = rs.length === 1
  return {
    mode: style,
    content: first.content,
    nodes: first.nodes,
    converged: rs.every(r => r.converged),
    rounds: single ? first.rounds : median(rs.map(r => r.rounds)),
    virtualMs: single ? first.virtualMs : median(rs.map(r => r.virtualMs)),
    bytesPerNodePerRound: single ? first.bytesPerNodePerRound : median(rs.map(r => r.bytesPerNodePerRound)),
    messagesPerNodePerRound: single ? first.messagesPerNodePerRound : median(rs.map(r => r.messagesPerNodePerRound)),
    uninformedByRound: first.uninformedByRound,
    theoryRounds: first.theoryRounds,
    identical: rs.every(r => r.identical),
    ...(single ? { seed: first.seed, traffic: first.traffic } : { seeds: rs.map(r => r.seed), runs: rs })
  }
}

function printRoundTable (styles: ExchangeStyle[], rs: StateScenarioResult[], out: (line: string) => void): void {
  out('')
  out(`round${styles.map(s => `${STYLE_NAME[s]} uninformed`.padStart(24)).join('')}`)
  const rounds = Math.max(...rs.map(r => r.uninformedByRound.length))
  for (let i = 0; i < rounds; i++) {
    const cells = rs.map(r => {
      const f = r.uninformedByRound[i]
      if (f === undefined) return ''.padStart(24)
      const bar = '#'.repeat(Math.round(f * 10))
      return `  ${bar.padEnd(10)} ${pct(f).padStart(11)}`
    })
    out(`${String(i).padStart(5)}${cells.join('')}`)
  }
}

function pct (f: number): string {
  if (f === 0) return '0%'
  if (f >= 0.01) return (f * 100).toFixed(2) + '%'
  return (f * 100).toPrecision(2) + '%'
}

function fmt (x: number): string {
  return Math.round(x).toLocaleString('en-US')
}
