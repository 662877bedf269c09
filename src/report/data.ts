/**
 * The data of a simulation report (`grapevine sim … --report FILE.html`), built from the scenario results:
 * charts as aligned series (one x array, one y array per series, as uPlot draws them), a summary table and,
 * for membership and broadcast, the trace of one broadcast for the animated replay. This shape is the JSON
 * embedded in the page; web/report.ts declares the same interfaces.
 */
import type { BroadcastScenarioResult } from '../scenarios/broadcast.js'
import type { MembershipScenarioResult } from '../scenarios/membership.js'
import type { Distribution } from '../scenarios/overlay.js'
import type { PubsubScenarioResult } from '../scenarios/pubsub.js'
import { theoryUninformed, type StateScenarioResult } from '../scenarios/state.js'
import type { BroadcastTrace } from '../scenarios/trace.js'

export type ReportKind = 'state' | 'membership' | 'broadcast' | 'pubsub'

export interface ChartSeries {
  label: string
  values: Array<number | null>
  /** Drawn dashed (theory curves). */
  dash?: boolean
}

export interface ChartData {
  title: string
  xLabel: string
  yLabel: string
  /** Logarithmic y axis. */
  logY?: boolean
  /** Drawn as bars (histograms). */
  bars?: boolean
  x: number[]
  series: ChartSeries[]
}

export interface ReplayData {
  title: string
  /** Nodes alive when the broadcast was sent: the replay's 100%. */
  total: number
  /** Per node, ms from sending to delivery (null: never). */
  deliveredAtMs: Array<number | null>
  /** The nodes drawn (all up to MAX_DRAWN, a sample beyond; the source always). */
  drawn: number[]
  /** Links between drawn nodes, as positions in `drawn`. */
  edges: Array<[number, number]>
  /** Position of the source in `drawn`. */
  source: number
}

export interface ReportData {
  kind: ReportKind
  title: string
  subtitle: string
  summary: Array<[string, string]>
  charts: ChartData[]
  replay?: ReplayData
}

const MAX_DRAWN = 2000
const STYLE_NAME = { push: 'push', pull: 'pull', pushpull: 'push-pull' } as const

/** State: the uninformed fraction per round of each exchange style, with the theoretical curves. */
export function stateReport (runs: StateScenarioResult[], subtitle: string): ReportData {
  const rounds = Math.max(...runs.map(r => r.uninformedByRound.length))
  const theory = runs.map(r => theoryUninformed(r.style, r.nodes, rounds - 1))
  const x = Array.from({ length: Math.max(rounds, ...theory.map(t => t.length)) }, (_, i) => i)
  const positive = (v: number | undefined): number | null => v === undefined || v <= 0 ? null : v
  return {
    kind: 'state',
    title: 'grapevine sim state',
    subtitle,
    summary: runs.map(r => [STYLE_NAME[r.style], `${r.converged ? 'converged' : 'NOT converged'} in ${r.rounds} rounds; theory ≈ ${r.theoryRounds.toFixed(1)}; ` +
      `${r.messagesPerNodePerRound.toFixed(2)} msgs, ${Math.round(r.bytesPerNodePerRound)} B per node per round`]),
    charts: [{
      title: 'Uninformed fraction per round (simulated, and theory dashed: Demers et al. / Karp et al.)',
      xLabel: 'round',
      yLabel: 'uninformed fraction',
      logY: true,
      x,
      series: [
        ...runs.map(r => ({ label: STYLE_NAME[r.style], values: x.map(i => positive(r.uninformedByRound[i])) })),
        ...runs.map((r, k) => ({ label: `${STYLE_NAME[r.style]} theory`, dash: true, values: x.map(i => positive(theory[k]![i])) }))
      ]
    }]
  }
}

/** Membership: reliability per broadcast (failure, churn), active in-degree distribution, the replay. */
export function membershipReport (r: MembershipScenarioResult, subtitle: string): ReportData {
  const charts: ChartData[] = []
  if (r.reliability.length > 0) {
    charts.push({
      title: r.scenario === 'failure' ? 'Reliability of each broadcast after the crash (% of live nodes reached)' : 'Reliability of each broadcast during churn (%)',
      xLabel: 'broadcast (one per second)',
      yLabel: 'reliability %',
      x: r.reliability.map((_, i) => i + 1),
      series: [{ label: 'flood over HyParView', values: r.reliability }]
    })
  }
  const dists: Array<[string, Distribution]> = [[r.scenario === 'growth' ? 'after growth' : 'before', r.overlay.activeInDegree]]
  if (r.overlayAfter !== undefined) dists.push(['at the end', r.overlayAfter.activeInDegree])
  charts.push(histogram('Active-view in-degree distribution (nodes per degree)', 'active in-degree', dists))
  const o = r.overlayAfter ?? r.overlay
  return {
    kind: 'membership',
    title: `grapevine sim membership: ${r.scenario}`,
    subtitle,
    summary: [
      ['live nodes', String(o.liveNodes)],
      ['symmetric active links', `${o.symmetricPct.toFixed(2)}%`],
      ['largest component', `${o.largestComponentPct.toFixed(2)}%`],
      ['average shortest path', `${o.avgPathLength.toFixed(3)} hops`],
      ['clustering coefficient', o.clustering.toFixed(5)],
      ...(r.scenario === 'failure' ? [['back at 100% after', r.recoveredAfterMs === null ? 'never' : `${r.recoveredAfterMs} ms`] as [string, string]] : [])
    ],
    charts,
    ...(r.trace !== undefined ? { replay: replay(r.trace, `Replay: broadcast ${r.trace.broadcast + 1} flooding the active views`) } : {})
  }
}

/** Broadcast: RMR, LDH and latency per broadcast per protocol, the latency CDF, the replay of the first run. */
export function broadcastReport (results: BroadcastScenarioResult[], subtitle: string): ReportData {
  const n = Math.max(...results.map(r => r.perBroadcast.length))
  const x = Array.from({ length: n }, (_, i) => i + 1)
  const per = (title: string, yLabel: string, f: (b: BroadcastScenarioResult['perBroadcast'][number]) => number): ChartData => ({
    title, xLabel: 'broadcast', yLabel, x, series: results.map(r => ({ label: r.protocol, values: x.map(i => r.perBroadcast[i - 1] === undefined ? null : f(r.perBroadcast[i - 1]!)) }))
  })
  const first = results[0]!
  return {
    kind: 'broadcast',
    title: `grapevine sim broadcast: ${results.map(r => r.protocol).join(' vs ')}`,
    subtitle,
    summary: results.map(r => [r.protocol, `reliability ${r.reliability.toFixed(3)}%, RMR ${r.rmr.toFixed(3)}, LDH ${r.ldh.toFixed(2)}, ` +
      `latency p50 ${r.latencyP50Ms.toFixed(0)} / p99 ${r.latencyP99Ms.toFixed(0)} ms, control ${r.controlPerNodePerBroadcast.toFixed(3)} msgs/node/bcast`]),
    charts: [
      per('RMR (relative message redundancy) per broadcast', 'RMR', b => b.rmr),
      per('LDH (last delivery hop) per broadcast', 'hops', b => b.ldh),
      per('Latency p50 per broadcast (ms)', 'ms', b => b.latencyP50Ms),
      cdfChart('Latency CDF after the warm-up', results.map(r => [r.protocol, r.latencyCdf ?? []]))
    ],
    ...(first.trace !== undefined ? { replay: replay(first.trace, `Replay: ${first.protocol} broadcast ${first.trace.broadcast + 1}`) } : {})
  }
}

/** Pubsub: latency CDF, transmissions per delivery and the attackers' scores, second by second. */
export function pubsubReport (r: PubsubScenarioResult, subtitle: string): ReportData {
  const secs = r.transmissionsPerDeliveryBySecond
  const scores = r.attackerScoreBySecond
  return {
    kind: 'pubsub',
    title: 'grapevine sim pubsub: GossipSub',
    subtitle,
    summary: [
      ['messages published', String(r.messages)],
      ['delivery ratio', `${(r.deliveryRatio * 100).toFixed(3)}%`],
      ['latency p50 / p99', `${r.latencyP50Ms.toFixed(0)} / ${r.latencyP99Ms.toFixed(0)} ms`],
      ['transmissions per delivery', r.transmissionsPerDelivery.toFixed(3)],
      ['mesh degree mean (min–max)', `${r.meshDegree.mean.toFixed(2)} (${r.meshDegree.min}–${r.meshDegree.max})`],
      ['attackers graylisted after', r.attackersGraylistedAfterSec === null ? 'n/a' : `${r.attackersGraylistedAfterSec} s`]
    ],
    charts: [
      cdfChart('Delivery latency CDF', [['GossipSub', r.latencyCdf]]),
      { title: 'Payload transmissions per delivery, second by second from the first publish', xLabel: 'second', yLabel: 'transmissions / delivery', x: secs.map((_, i) => i), series: [{ label: 'GossipSub', values: secs }] },
      scores.length > 0
        ? { title: "Attackers' mean score at honest peers over time", xLabel: 'seconds after the attack starts', yLabel: 'score', x: scores.map((_, i) => i + 1), series: [{ label: 'mean attacker score', values: scores }] }
        : { title: "Attackers' score over time: no attackers in this run (--attackers PCT)", xLabel: 'second', yLabel: 'score', x: secs.map((_, i) => i), series: [{ label: 'no attackers', values: secs.map(() => 0) }] }
    ]
  }
}

/** CDFs on one x axis: the union of their points, each a step function of it. */
export function cdfChart (title: string, cdfs: Array<[string, Array<[number, number]>]>): ChartData {
  const x = [...new Set(cdfs.flatMap(([, c]) => c.map(p => p[0])))].sort((a, b) => a - b)
  return {
    title,
    xLabel: 'latency ms',
    yLabel: 'fraction delivered',
    x,
    series: cdfs.map(([label, c]) => {
      let k = -1
      return { label, values: x.map(v => { while (k + 1 < c.length && c[k + 1]![0] <= v) k++; return k < 0 ? 0 : c[k]![1] }) }
    })
  }
}

function histogram (title: string, xLabel: string, dists: Array<[string, Distribution]>): ChartData {
  const x = [...new Set(dists.flatMap(([, d]) => Object.keys(d.histogram).map(Number)))].sort((a, b) => a - b)
  return { title, xLabel, yLabel: 'nodes', bars: true, x, series: dists.map(([label, d]) => ({ label, values: x.map(v => d.histogram[v] ?? 0) })) }
}

/** The replay of a traced broadcast: every node's delivery time, a sample of at most MAX_DRAWN drawn. */
function replay (t: BroadcastTrace, title: string): ReplayData {
  let drawn = Array.from({ length: t.nodes }, (_, i) => i)
  if (t.nodes > MAX_DRAWN) {
    // An even stride through the nodes (deterministic), plus the source.
    const step = t.nodes / MAX_DRAWN
    drawn = [...new Set([t.source, ...Array.from({ length: MAX_DRAWN - 1 }, (_, i) => Math.floor(i * step))])]
  }
  const pos = new Map(drawn.map((v, i) => [v, i]))
  const edges: Array<[number, number]> = []
  for (const [a, b] of t.edges) {
    const i = pos.get(a)
    const j = pos.get(b)
    if (i !== undefined && j !== undefined) edges.push([i, j])
  }
  return { title, total: t.nodes, deliveredAtMs: t.deliveredAtMs, drawn, edges, source: pos.get(t.source)! }
}
