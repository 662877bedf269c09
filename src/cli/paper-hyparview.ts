/**
 * `grapevine sim paper hyparview`: HyParView against Cyclon and Scamp after simultaneous failures of 10–95%
 * of the nodes (Leitão, Pereira, Rodrigues, "HyParView", DSN 2007 §5: the reliability-after-failures and
 * healing-time figures), in the simulator (src/scenarios/baselines.ts). Prints, per protocol and failure
 * share, the reliability of the first broadcasts after the crash and the healing time, with the paper's
 * reading beside ours; `--report` charts reliability and healing time against the failure share.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { UsageError } from '../core/errors.js'
import { PAPER_PROTOCOLS, runFailureRun, type FailureRunResult, type PaperProtocol } from '../scenarios/baselines.js'
import { hyparviewPaperReport } from '../report/paper-hyparview.js'
import { writeReport } from '../report/html.js'
import { choice, num, nums } from './args.js'

const DEFAULT_FAIL = [10, 50, 80, 90, 95]

export const USAGE = `grapevine sim paper hyparview [options]

HyParView vs Cyclon vs Scamp after simultaneous failures (Leitão et al., DSN 2007 §5). For each protocol and
each failure share: grow an overlay, crash that share at once, send one broadcast per cycle (1 s) from a
random live node, report the first broadcasts' reliability and the cycles until it is back at its level
before the crash (within 1 point, at most 99%).
HyParView floods its active view (5 peers); Cyclon (cache 35, shuffle 14) and Scamp (c = 1) gossip to 4
random peers of their partial views.

  --nodes N              nodes (default 10000, the paper's)
  --fail LIST            failure shares in % (default ${DEFAULT_FAIL.join(',')})
  --protocols LIST       any of ${PAPER_PROTOCOLS.join(',')} (default all)
  --cycles C             broadcasts after the crash, one per cycle (default 15)
  --join-interval-ms T   one join every T ms while the overlay grows (default 1)
  --stabilize-ms T       time the overlay runs after the last join (default 10000)
  --seed S               seed (default 1)
  --codec on|off         encode and decode every message (default off: sizes still counted exactly, ARCHITECTURE §5.1)
  --json FILE            write every run as JSON
  --report FILE.html     charts: first-broadcast reliability and healing time against the failure share
  --check                parse the options, print the plan, run nothing`

/**
 * The paper's figures as read (shapes, not exact numbers: §5, the reliability-after-failures and
 * healing-time figures; HyParView's "> 90% at 95%" is also quoted by other implementations' notes).
 */
export function paperSays (p: PaperProtocol, fail: number): string {
  if (p === 'hyparview') return fail < 95 ? '≈ 100%; heals in ≈ 1–2' : '> 90%; heals in a few'
  if (p === 'cyclon') return fail <= 30 ? 'near HyParView; slower' : 'falls with failures; slow'
  return fail <= 30 ? 'below Cyclon; slow' : 'lowest; slow or never'
}

export function run (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      fail: { type: 'string' },
      protocols: { type: 'string' },
      cycles: { type: 'string' },
      'join-interval-ms': { type: 'string' },
      'stabilize-ms': { type: 'string' },
      seed: { type: 'string' },
      codec: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      check: { type: 'boolean' }
    },
    strict: true
  })
  const fails = nums(values.fail, 'fail', DEFAULT_FAIL, { min: 1, max: 99 })
  const protocols = values.protocols === undefined ? [...PAPER_PROTOCOLS] : values.protocols.split(',').map(s => choice<PaperProtocol>(s.trim(), 'protocols', 'hyparview', PAPER_PROTOCOLS))
  if (fails.length === 0 || protocols.length === 0) throw new UsageError('ERR_ARG', '--fail and --protocols take at least one value')
  const opts = {
    nodes: num(values.nodes, 'nodes', 10_000, { min: 20, int: true }),
    cycles: num(values.cycles, 'cycles', 15, { min: 1, int: true }),
    joinIntervalMs: num(values['join-interval-ms'], 'join-interval-ms', 1, { min: 0 }),
    stabilizeMs: num(values['stabilize-ms'], 'stabilize-ms', 10_000, { min: 0 }),
    seed: num(values.seed, 'seed', 1, { min: 0, int: true }),
    codec: choice(values.codec, 'codec', 'off', ['on', 'off']) === 'on'
  }
  const header = `${opts.nodes} nodes, ${protocols.join(' / ')}, failures ${fails.join(', ')}%, ${opts.cycles} broadcasts after each crash, seed ${opts.seed}`
  out(`grapevine sim paper hyparview: ${header}`)
  if (values.check === true) {
    out(`plan: ${protocols.length * fails.length} runs (one overlay grown per protocol and failure share: joins every ${opts.joinIntervalMs} ms, then ${opts.stabilizeMs} ms), codec ${opts.codec ? 'on' : 'off'}` +
      (values.json !== undefined ? `, JSON to ${values.json}` : '') + (values.report !== undefined ? `, report to ${values.report}` : ''))
    return 0
  }
  const results: FailureRunResult[] = []
  const started = performance.now()
  for (const protocol of protocols) {
    for (const failPct of fails) {
      const t = performance.now()
      const r = runFailureRun({ protocol, failPct, ...opts })
      results.push(r)
      out(`  ${protocol.padEnd(9)} ${String(failPct).padStart(2)}%  first ${r.reliability[0]!.toFixed(2)}%  healed ${healed(r, opts.cycles)}  ` +
        `(view ${r.before.meanView.toFixed(1)}, in-degree sd ${r.before.inDegreeSd.toFixed(2)}; ${r.events.toLocaleString('en-US')} events, ${((performance.now() - t) / 1000).toFixed(1)} s)`)
    }
  }
  const wall = (performance.now() - started) / 1000
  out('')
  out('reliability of the broadcasts after a simultaneous crash (% of live nodes reached), and healing time')
  out('(cycles after the crash until every later broadcast is back within 1 point of the reliability before it,')
  out('at most 99%); paper: Leitão et al. DSN 2007 §5, reliability-after-failures and healing-time figures')
  out('')
  out(`${'protocol'.padEnd(10)}${'fail'.padStart(5)}${'before'.padStart(9)}${'1st'.padStart(9)}${'2nd'.padStart(9)}${'mean 1-5'.padStart(10)}${'healed'.padStart(9)}   paper (≈, reliability, healing)`)
  for (const r of results) {
    const first5 = r.reliability.slice(0, 5)
    out(`${r.protocol.padEnd(10)}${`${r.failPct}%`.padStart(5)}${pct(r.beforePct).padStart(9)}${pct(r.reliability[0]).padStart(9)}${pct(r.reliability[1]).padStart(9)}` +
      `${pct(first5.reduce((a, b) => a + b, 0) / first5.length).padStart(10)}${healed(r, opts.cycles).padStart(9)}   ${paperSays(r.protocol, r.failPct)}`)
  }
  out('')
  out(`wall ${wall.toFixed(1)} s for ${results.length} runs`)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ options: { ...opts, fails, protocols }, results }, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    writeReport(values.report, hyparviewPaperReport(results, header))
    out(`report written to ${values.report}`)
  }
  return 0
}

function pct (x: number | undefined): string {
  return x === undefined ? '-' : `${x.toFixed(2)}%`
}

function healed (r: FailureRunResult, cycles: number): string {
  return r.healingCycles === null ? `> ${cycles}` : String(r.healingCycles)
}
