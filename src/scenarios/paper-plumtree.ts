/**
 * Simulator scenario for `grapevine sim paper plumtree`: Plumtree against flood (eager push over the whole
 * active view), after Leitão, Pereira, Rodrigues, "Epidemic broadcast trees", SRDS 2007 §5: on a HyParView
 * overlay of n nodes, per failure rate, one run of each protocol through the broadcast scenario
 * (./broadcast.ts): `warmup` broadcasts while Plumtree's tree forms, `stable` measured broadcasts (RMR, LDH,
 * reliability with no failure), then `failPct`% of the nodes crash at once and `after` more broadcasts
 * follow, one a second: the reliability of the first one after the crash, the mean over all of them, and
 * how many it took until reliability stayed at 100% and RMR under 0.1.
 * Plumtree runs StrictNoSign and the codec is off (neither is what the paper measures).
 */
import { runBroadcastScenario, type BroadcastProtocol, type BroadcastScenarioResult } from './broadcast.js'

export interface PlumtreePaperOptions {
  nodes: number
  seed: number
  /** Failure rates (percent of the nodes crashed at once), one run per rate and protocol. */
  failPcts: number[]
  warmup: number
  stable: number
  after: number
  protocols: BroadcastProtocol[]
}

export const DEFAULT_PLUMTREE_PAPER: PlumtreePaperOptions = {
  nodes: 10_000,
  seed: 1,
  failPcts: [20, 40, 60, 80],
  warmup: 10,
  stable: 10,
  after: 20,
  protocols: ['plumtree', 'flood']
}

export interface PlumtreePaperRow {
  protocol: BroadcastProtocol
  failPct: number
  /** Means over the `stable` broadcasts before the crash. */
  stableRmr: number
  stableLdh: number
  stableReliability: number
  /** The first broadcast after the crash. */
  firstAfterReliability: number
  /** Means over the broadcasts after the crash. */
  afterReliability: number
  afterRmr: number
  afterLdh: number
  broadcastsToFullReliability: number | null
  broadcastsToLowRmr: number | null
  /** RMR and reliability of every broadcast of the run, in order (for the report). */
  rmrPerBroadcast: number[]
  reliabilityPerBroadcast: number[]
  wallMs: number
  cpuMs: number
  events: number
}

export function runPlumtreePaper (partial: Partial<PlumtreePaperOptions>, progress: (row: PlumtreePaperRow) => void = () => {}): PlumtreePaperRow[] {
  const o = { ...DEFAULT_PLUMTREE_PAPER, ...partial }
  const rows: PlumtreePaperRow[] = []
  for (const failPct of o.failPcts) {
    for (const protocol of o.protocols) {
      const started = performance.now()
      const cpu0 = process.cpuUsage()
      const r = runBroadcastScenario({
        protocol,
        nodes: o.nodes,
        seed: o.seed,
        messages: o.warmup + o.stable + o.after,
        warmup: o.warmup,
        failPct,
        failAfter: o.warmup + o.stable,
        codec: false,
        plumtree: { signaturePolicy: 'StrictNoSign' }
      })
      const row = summarise(r, protocol, failPct, o)
      row.wallMs = performance.now() - started
      const used = process.cpuUsage(cpu0)
      row.cpuMs = (used.user + used.system) / 1000
      rows.push(row)
      progress(row)
    }
  }
  return rows
}

function summarise (r: BroadcastScenarioResult, protocol: BroadcastProtocol, failPct: number, o: PlumtreePaperOptions): PlumtreePaperRow {
  const stable = r.perBroadcast.slice(o.warmup, o.warmup + o.stable)
  const after = r.perBroadcast.slice(o.warmup + o.stable)
  const mean = (xs: typeof stable, f: (b: typeof stable[number]) => number): number => xs.length === 0 ? 0 : xs.reduce((a, b) => a + f(b), 0) / xs.length
  return {
    protocol,
    failPct,
    stableRmr: mean(stable, b => b.rmr),
    stableLdh: mean(stable, b => b.ldh),
    stableReliability: mean(stable, b => b.reliability),
    firstAfterReliability: after[0]?.reliability ?? 0,
    afterReliability: mean(after, b => b.reliability),
    afterRmr: mean(after, b => b.rmr),
    afterLdh: mean(after, b => b.ldh),
    broadcastsToFullReliability: failPct > 0 ? r.broadcastsToFullReliability : null,
    broadcastsToLowRmr: failPct > 0 ? r.broadcastsToLowRmr : null,
    rmrPerBroadcast: r.perBroadcast.map(b => b.rmr),
    reliabilityPerBroadcast: r.perBroadcast.map(b => b.reliability),
    wallMs: 0,
    cpuMs: 0,
    events: r.events
  }
}
