/**
 * The report of `grapevine sim paper hyparview`: first-broadcast reliability and healing time against the
 * failure share, one series per protocol (Leitão et al., DSN 2007 §5), and each protocol's reliability per
 * broadcast after the largest failure.
 */
import type { FailureRunResult } from '../scenarios/baselines.js'
import type { ChartData, ReportData } from './data.js'

export function hyparviewPaperReport (results: readonly FailureRunResult[], subtitle: string): ReportData {
  const protocols = [...new Set(results.map(r => r.protocol))]
  const fails = [...new Set(results.map(r => r.failPct))].sort((a, b) => a - b)
  const at = (p: string, f: number): FailureRunResult | undefined => results.find(r => r.protocol === p && r.failPct === f)
  const byFail = (title: string, yLabel: string, f: (r: FailureRunResult) => number | null): ChartData => ({
    title, xLabel: 'nodes crashed at once (%)', yLabel, x: fails, series: protocols.map(p => ({ label: p, values: fails.map(x => { const r = at(p, x); return r === undefined ? null : f(r) }) }))
  })
  const worst = fails[fails.length - 1]!
  const cycles = Math.max(...results.map(r => r.reliability.length))
  const x = Array.from({ length: cycles }, (_, i) => i + 1)
  return {
    kind: 'membership',
    title: 'grapevine sim paper hyparview: HyParView vs Cyclon vs Scamp after failures',
    subtitle,
    summary: results.map(r => [`${r.protocol} ${r.failPct}%`, `first broadcast ${r.reliability[0]!.toFixed(2)}%, healed after ${r.healingCycles === null ? `> ${r.reliability.length}` : r.healingCycles} cycles`]),
    charts: [
      byFail('Reliability of the first broadcast after the crash (%)', 'reliability %', r => r.reliability[0]!),
      byFail('Healing time: cycles until broadcasts are back at their reliability before the crash (missing: not within the run)', 'cycles', r => r.healingCycles),
      { title: `Reliability per broadcast after ${worst}% crashed`, xLabel: 'broadcast (one per cycle)', yLabel: 'reliability %', x, series: protocols.map(p => ({ label: p, values: x.map(i => at(p, worst)?.reliability[i - 1] ?? null) })) }
    ]
  }
}
