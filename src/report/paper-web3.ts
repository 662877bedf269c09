/**
 * Report pages of `grapevine sim paper plumtree` and `grapevine sim paper web3`, in the shape of ./data.ts
 * (the same page script draws them): per failure rate, Plumtree's and flood's RMR, LDH and reliability;
 * per protocol, the latency CDF, the latency to 50 / 90 / 100% of the nodes, bytes per node and duplicates.
 */
import type { PlumtreePaperRow } from '../scenarios/paper-plumtree.js'
import type { Web3ScenarioResult } from '../scenarios/web3.js'
import { cdfChart, type ChartData, type ReportData } from './data.js'

export function plumtreePaperReport (rows: PlumtreePaperRow[], subtitle: string): ReportData {
  const protocols = [...new Set(rows.map(r => r.protocol))]
  const rates = [...new Set(rows.map(r => r.failPct))].sort((a, b) => a - b)
  const byRate = (title: string, yLabel: string, f: (r: PlumtreePaperRow) => number): ChartData => ({
    title,
    xLabel: '% of nodes crashed',
    yLabel,
    x: rates,
    series: protocols.map(p => ({ label: p, values: rates.map(rate => { const r = rows.find(x => x.protocol === p && x.failPct === rate); return r === undefined ? null : f(r) }) }))
  })
  const worst = rates[rates.length - 1]
  const perBroadcast = (title: string, yLabel: string, f: (r: PlumtreePaperRow) => number[]): ChartData => {
    const runs = rows.filter(r => r.failPct === worst)
    const n = Math.max(0, ...runs.map(r => f(r).length))
    const x = Array.from({ length: n }, (_, i) => i + 1)
    return { title, xLabel: 'broadcast', yLabel, x, series: runs.map(r => ({ label: r.protocol, values: x.map(i => f(r)[i - 1] ?? null) })) }
  }
  return {
    kind: 'broadcast',
    title: 'grapevine sim paper plumtree: Plumtree vs flood (Leitão et al., SRDS 2007 §5)',
    subtitle,
    summary: rows.map(r => [`${r.protocol}, ${r.failPct}% crashed`, `stable: RMR ${r.stableRmr.toFixed(3)}, LDH ${r.stableLdh.toFixed(2)}, reliability ${r.stableReliability.toFixed(2)}%; ` +
      `after the crash: first broadcast ${r.firstAfterReliability.toFixed(2)}%, mean ${r.afterReliability.toFixed(3)}%, RMR ${r.afterRmr.toFixed(3)}, LDH ${r.afterLdh.toFixed(2)}`]),
    charts: [
      byRate('Reliability of the first broadcast after the crash', '% of survivors delivered', r => r.firstAfterReliability),
      byRate('RMR after the crash (mean over the broadcasts after it)', 'RMR', r => r.afterRmr),
      byRate('LDH after the crash (mean)', 'hops', r => r.afterLdh),
      perBroadcast(`RMR per broadcast, ${worst ?? 0}% crashed`, 'RMR', r => r.rmrPerBroadcast),
      perBroadcast(`Reliability per broadcast, ${worst ?? 0}% crashed`, '% delivered', r => r.reliabilityPerBroadcast)
    ]
  }
}

export function web3PaperReport (results: Web3ScenarioResult[], subtitle: string): ReportData {
  const names = results.map(r => r.protocol)
  const idx = results.map((_, i) => i + 1)
  /** One bar per protocol, at its position on the x axis. */
  const bars = (title: string, yLabel: string, f: (r: Web3ScenarioResult) => number): ChartData => ({
    title: `${title} (${names.map((n, i) => `${i + 1} ${n}`).join(', ')})`,
    xLabel: 'protocol',
    yLabel,
    bars: true,
    x: idx,
    series: results.map((r, i) => ({ label: r.protocol, values: idx.map(j => j === i + 1 ? f(r) : null) }))
  })
  return {
    kind: 'pubsub',
    title: 'grapevine sim paper web3: Plumtree, flood, GossipSub, Bitcoin-style and devp2p-style propagation',
    subtitle,
    summary: results.map(r => [r.protocol, `delivered ${(r.delivered * 100).toFixed(3)}%, latency to 50 / 90 / 100% ${ms(r.latency50Ms)} / ${ms(r.latency90Ms)} / ${ms(r.latency100Ms)}, ` +
      `${Math.round(r.bytesPerNodePerMessage).toLocaleString('en-US')} B per node per message, ${r.duplicatesPerDelivery.toFixed(3)} duplicates per delivery`]),
    charts: [
      cdfChart('Delivery latency CDF (all measured deliveries)', results.map(r => [r.protocol, r.latencyCdf])),
      { title: 'Mean time until a share of the nodes has a message', xLabel: '% of nodes', yLabel: 'ms', logY: true, x: [50, 90, 100], series: results.map(r => ({ label: r.protocol, values: [r.latency50Ms, r.latency90Ms, r.latency100Ms] })) },
      bars('Bytes sent per node per message', 'bytes', r => r.bytesPerNodePerMessage),
      bars('Duplicate payloads per delivery', 'duplicates', r => r.duplicatesPerDelivery)
    ]
  }
}

function ms (v: number | null): string {
  return v === null || !Number.isFinite(v) ? 'never' : `${Math.round(v).toLocaleString('en-US')} ms`
}
