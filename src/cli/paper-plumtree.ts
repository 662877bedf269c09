/**
 * `grapevine sim paper plumtree`: Plumtree against flood on a HyParView overlay, after Leitão, Pereira,
 * Rodrigues, "Epidemic broadcast trees", SRDS 2007 §5 (src/scenarios/paper-plumtree.ts): RMR and LDH once
 * the tree stands, and reliability, RMR and LDH after crashing 20–80% of the nodes at once, with the
 * paper's figures beside ours where it states them.
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { UsageError } from '../core/errors.js'
import { DEFAULT_PLUMTREE_PAPER, runPlumtreePaper, type PlumtreePaperRow } from '../scenarios/paper-plumtree.js'
import { plumtreePaperReport } from '../report/paper-web3.js'
import { writeReport } from '../report/html.js'
import { num, nums } from './args.js'

const D = DEFAULT_PLUMTREE_PAPER

export const USAGE = `grapevine sim paper plumtree [options]

Plumtree vs flood (eager push over the whole HyParView active view) on the same overlay, after Leitão,
Pereira, Rodrigues, "Epidemic broadcast trees", SRDS 2007 §5. Per failure rate, one run of each: ${D.warmup}
warm-up broadcasts, ${D.stable} measured in a stable overlay (RMR, LDH), then that share of the nodes crashes at
once and ${D.after} more broadcasts follow, one a second (reliability of the first, means over all, recovery).

  --nodes N            nodes (default ${D.nodes}, the paper's)
  --fail LIST          failure rates in percent, comma-separated (default ${D.failPcts.join(',')})
  --warmup W           (default ${D.warmup})
  --stable S           broadcasts measured before the crash (default ${D.stable})
  --after A            broadcasts after the crash (default ${D.after})
  --seed S             (default ${D.seed})
  --json FILE          write the rows as JSON
  --report FILE.html   charts: reliability, RMR and LDH against the failure rate; RMR and reliability
                       per broadcast at the highest rate
  --check              parse the options, print the plan, run nothing`

export function run (argv: string[], out: (line: string) => void = console.log): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string' },
      fail: { type: 'string' },
      warmup: { type: 'string' },
      stable: { type: 'string' },
      after: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'string' },
      report: { type: 'string' },
      check: { type: 'boolean' }
    },
    strict: true
  })
  const failPcts = nums(values.fail, 'fail', D.failPcts, { min: 0, max: 99 })
  if (failPcts.length === 0) throw new UsageError('ERR_ARG', '--fail takes at least one rate')
  const opts = {
    nodes: num(values.nodes, 'nodes', D.nodes, { min: 10, int: true }),
    failPcts,
    warmup: num(values.warmup, 'warmup', D.warmup, { min: 0, int: true }),
    stable: num(values.stable, 'stable', D.stable, { min: 1, int: true }),
    after: num(values.after, 'after', D.after, { min: 1, int: true }),
    seed: num(values.seed, 'seed', D.seed, { min: 0, int: true })
  }
  const plan = `${opts.nodes} nodes on HyParView, Plumtree (StrictNoSign) and flood; per failure rate ${opts.failPcts.join(', ')}%: ` +
    `${opts.warmup} warm-up + ${opts.stable} stable broadcasts, crash, ${opts.after} more; seed ${opts.seed} (${2 * opts.failPcts.length} runs)`
  out(`grapevine sim paper plumtree: ${plan}`)
  if (values.check === true) {
    out('check: options valid; nothing run')
    return 0
  }
  const started = performance.now()
  const rows = runPlumtreePaper(opts, r => out(`  ${r.protocol} ${r.failPct}%: ${r.events.toLocaleString('en-US')} events in ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU`))
  out(`  total ${((performance.now() - started) / 1000).toFixed(0)} s wall, ${(rows.reduce((a, r) => a + r.cpuMs, 0) / 1000).toFixed(0)} s CPU`)
  printTable(rows, out)
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ options: opts, rows }, null, 2) + '\n')
    out(`wrote ${values.json}`)
  }
  if (values.report !== undefined) {
    writeReport(values.report, plumtreePaperReport(rows, plan))
    out(`report written to ${values.report}`)
  }
  return 0
}

/** The paper's statements (SRDS 2007 §5), where it gives one for the metric. */
const PAPER = {
  stableRmr: { plumtree: '≈ 0', flood: '≈ 3 (f − 1, f = 4)' },
  stableLdh: { plumtree: '> flood', flood: '-' }
}

function printTable (rows: PlumtreePaperRow[], out: (line: string) => void): void {
  out('')
  out('  stable overlay (means over the broadcasts before the crash: the same in every run of a protocol, as the')
  out('  seed is the same and the crash comes after them)')
  out(`  ${'protocol'.padEnd(10)}${'fail%'.padStart(6)}${'RMR'.padStart(9)}${'paper'.padStart(20)}${'LDH'.padStart(8)}${'paper'.padStart(10)}${'reliab.'.padStart(10)}`)
  for (const r of rows.filter(x => x.failPct === rows[0]!.failPct)) {
    out(`  ${r.protocol.padEnd(10)}${'-'.padStart(6)}${r.stableRmr.toFixed(3).padStart(9)}${PAPER.stableRmr[r.protocol].padStart(20)}` +
      `${r.stableLdh.toFixed(2).padStart(8)}${PAPER.stableLdh[r.protocol].padStart(10)}${`${r.stableReliability.toFixed(2)}%`.padStart(10)}`)
  }
  out('')
  out('  after the crash (first broadcast sent at the moment of the crash, then one a second)')
  out(`  ${'protocol'.padEnd(10)}${'fail%'.padStart(6)}${'1st reliab.'.padStart(13)}${'mean reliab.'.padStart(14)}${'RMR'.padStart(8)}${'LDH'.padStart(8)}${'to 100%'.padStart(9)}${'to RMR<0.1'.padStart(12)}`)
  for (const r of rows) {
    out(`  ${r.protocol.padEnd(10)}${String(r.failPct).padStart(6)}${`${r.firstAfterReliability.toFixed(2)}%`.padStart(13)}${`${r.afterReliability.toFixed(3)}%`.padStart(14)}` +
      `${r.afterRmr.toFixed(3).padStart(8)}${r.afterLdh.toFixed(2).padStart(8)}${String(r.broadcastsToFullReliability ?? 'never').padStart(9)}${String(r.broadcastsToLowRmr ?? 'never').padStart(12)}`)
  }
  out('')
  out('  paper (SRDS 2007 §5, 10,000 nodes, HyParView active view 5): Plumtree\'s RMR falls to ≈ 0 once the tree')
  out('  has formed, where eager push keeps ≈ f − 1; its LDH is higher (tree paths are not the shortest); after')
  out('  crashes both stay at or near 100% reliability and Plumtree\'s RMR returns to ≈ 0 as the tree heals.')
}
