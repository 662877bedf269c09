/**
 * HyParView against its baselines after a mass failure, as in Leitão et al., DSN 2007 §5: grow an overlay
 * of one membership protocol (nodes join one after another through random live contacts), let it run, crash
 * `failPct` % of the nodes at once, then send one broadcast per cycle (one second, one shuffle period) from
 * a random live node for `cycles` cycles, and report each broadcast's reliability (% of the nodes alive
 * when it was sent, and still alive, that delivered it) and the healing time: the first broadcast from
 * which every later one is back at the protocol's reliability before the crash (within 1 point, and at
 * most `healedPct`) — gossip with fanout 4 misses ≈ 2% of the nodes even on an intact overlay, so "back
 * at 99%" would never hold for Cyclon and Scamp.
 *   - hyparview: the membership failure scenario itself (./membership.ts: flood over the active views);
 *   - cyclon, scamp: the baseline cores of src/baselines with gossip to `fanout` peers of the partial view.
 */
import { Rng } from '../core/rng.js'
import type { BroadcastDelivery } from '../broadcast/messages.js'
import { Cyclon, type CyclonConfig } from '../baselines/cyclon.js'
import { Gossip } from '../baselines/gossip.js'
import { Scamp, type ScampConfig } from '../baselines/scamp.js'
import { Simulator, type SimNode } from '../sim/simulator.js'
import { UniformLinkLatency } from '../sim/network.js'
import { runMembershipScenario } from './membership.js'

export type PaperProtocol = 'hyparview' | 'cyclon' | 'scamp'
export const PAPER_PROTOCOLS: readonly PaperProtocol[] = ['hyparview', 'cyclon', 'scamp']

export interface FailureRunOptions {
  protocol: PaperProtocol
  nodes: number
  /** % of the nodes crashed at once. */
  failPct: number
  /** Broadcasts after the crash, one per cycle (the first one cycle after it). */
  cycles: number
  seed: number
  joinIntervalMs: number
  stabilizeMs: number
  /** Reliability that counts as healed, at most (lower when the protocol was below it before the crash). */
  healedPct: number
  /** Cyclon and Scamp: gossip targets per copy. */
  fanout: number
  codec: boolean
  cyclon: Partial<CyclonConfig>
  scamp: Partial<ScampConfig>
}

export const DEFAULT_FAILURE_RUN: FailureRunOptions = {
  protocol: 'hyparview',
  nodes: 1000,
  failPct: 50,
  cycles: 20,
  seed: 1,
  joinIntervalMs: 5,
  stabilizeMs: 30_000,
  healedPct: 99,
  fanout: 4,
  codec: false,
  cyclon: {},
  scamp: {}
}

export interface ViewStats {
  /** Mean partial-view size (HyParView: the active view). */
  meanView: number
  inDegreeMean: number
  inDegreeSd: number
  inDegreeMax: number
}

export interface FailureRunResult {
  protocol: PaperProtocol
  nodes: number
  failPct: number
  seed: number
  /** Per broadcast after the crash, in %. */
  reliability: number[]
  /** Reliability before the crash (mean of 3 broadcasts; HyParView: its flood reaches the whole component). */
  beforePct: number
  /** What counts as healed: min(healedPct, beforePct − 1). */
  healedAtPct: number
  /** Broadcasts (cycles) after the crash until every later one reached `healedAtPct` (null: not within the run). */
  healingCycles: number | null
  /** The overlay just before the crash. */
  before: ViewStats
  events: number
}

export function runFailureRun (partial: Partial<FailureRunOptions>): FailureRunResult {
  const o: FailureRunOptions = { ...DEFAULT_FAILURE_RUN, ...partial }
  if (o.protocol === 'hyparview') {
    const r = runMembershipScenario({ scenario: 'failure', nodes: o.nodes, failPct: o.failPct, broadcasts: o.cycles, seed: o.seed, joinIntervalMs: o.joinIntervalMs, stabilizeMs: o.stabilizeMs, codec: o.codec, pathSources: 10 })
    const d = r.overlay.activeInDegree
    // Flooding the (symmetric) active views reaches the source's whole component: the largest, for almost all sources.
    const beforePct = r.overlay.largestComponentPct
    const healedAtPct = Math.min(o.healedPct, beforePct - 1)
    return { protocol: o.protocol, nodes: o.nodes, failPct: o.failPct, seed: o.seed, reliability: r.reliability, beforePct, healedAtPct, healingCycles: healingOf(r.reliability, healedAtPct), before: { meanView: d.mean, inDegreeMean: d.mean, inDegreeSd: d.stddev, inDegreeMax: d.max }, events: r.events }
  }
  const b = growBaseline(o)
  const { sim, live, broadcast, reliabilityOf } = b
  const before = viewStats(live)
  const rng = b.rng
  const pre: number[] = []
  for (let c = 0; c < 3; c++) {
    sim.run(sim.now + 1000)
    pre.push(broadcast(live[rng.int(live.length)]!))
  }
  sim.run(sim.now + 1000)
  const beforePct = pre.map(reliabilityOf).reduce((a, x) => a + x, 0) / pre.length
  const healedAtPct = Math.min(o.healedPct, beforePct - 1)
  const t0 = sim.now
  for (const v of rng.sample(live, Math.round(live.length * o.failPct / 100))) sim.crash(v.id)
  const alive = live.filter(n => n.alive)
  const sent: number[] = []
  for (let c = 1; c <= o.cycles; c++) {
    sim.run(t0 + c * 1000)
    sent.push(broadcast(alive[rng.int(alive.length)]!))
  }
  sim.run(sim.now + 2000)
  const reliability = sent.map(reliabilityOf)
  return { protocol: o.protocol, nodes: o.nodes, failPct: o.failPct, seed: o.seed, reliability, beforePct, healedAtPct, healingCycles: healingOf(reliability, healedAtPct), before, events: sim.events }
}

/** Cyclon or Scamp nodes with gossip on top, grown and stabilised; broadcasts are counted by index. */
export function growBaseline (partial: Partial<FailureRunOptions>): {
  sim: Simulator
  live: SimNode[]
  rng: Rng
  broadcast: (src: SimNode) => number
  reliabilityOf: (b: number) => number
} {
  const o: FailureRunOptions = { ...DEFAULT_FAILURE_RUN, ...partial }
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(10, 50, 0, o.seed), crashNotice: 'reset', codec: o.codec })
  const rng = new Rng(o.seed).fork('scenario')
  const records: Array<{ alive: Uint8Array, delivered: Uint8Array }> = []
  const byId = new Map<string, number>()
  const delivered = (index: number, d: BroadcastDelivery): void => {
    const b = byId.get(d.id)
    if (b === undefined) return
    const rec = records[b]!
    if (index < rec.alive.length && rec.alive[index] === 1) rec.delivered[index] = 1
  }
  const live: SimNode[] = []
  for (let i = 0; i < o.nodes; i++) {
    if (i > 0) sim.run(sim.now + o.joinIntervalMs)
    const contact = live.length > 0 ? live[rng.int(live.length)]!.id : undefined
    const node = sim.addNode(`n${i}`, ctx => {
      const m = o.protocol === 'cyclon' ? new Cyclon(ctx.env('membership'), o.cyclon) : new Scamp(ctx.env('membership'), o.scamp)
      const g = new Gossip(ctx.env('broadcast', { event: (d: BroadcastDelivery) => delivered(ctx.index, d) }), m, { fanout: o.fanout })
      return [m, g]
    })
    if (contact !== undefined) (node.cores.get('membership') as Cyclon | Scamp).join(sim.now, contact)
    live.push(node)
  }
  sim.run(sim.now + o.stabilizeMs)
  const broadcast = (src: SimNode): number => {
    const alive = new Uint8Array(sim.nodes.length)
    for (const n of live) if (n.alive) alive[n.index] = 1
    const rec = { alive, delivered: new Uint8Array(sim.nodes.length) }
    const id = (src.cores.get('broadcast') as Gossip).broadcast(sim.now, new Uint8Array(16))
    rec.delivered[src.index] = 1
    byId.set(id, records.length)
    records.push(rec)
    return records.length - 1
  }
  const reliabilityOf = (b: number): number => {
    const rec = records[b]!
    let n = 0
    let got = 0
    for (let i = 0; i < rec.alive.length; i++) {
      if (rec.alive[i] !== 1 || !sim.nodes[i]!.alive) continue
      n++
      got += rec.delivered[i]!
    }
    return n === 0 ? 100 : (100 * got) / n
  }
  return { sim, live, rng, broadcast, reliabilityOf }
}

/** Partial-view sizes and in-degrees over the live nodes (links to crashed nodes count for the size only). */
export function viewStats (nodes: readonly SimNode[]): ViewStats {
  const live = nodes.filter(n => n.alive)
  const pos = new Map(live.map((n, i) => [n.id, i]))
  const inDeg = new Array<number>(live.length).fill(0)
  let views = 0
  for (const n of live) {
    const v = (n.cores.get('membership') as Cyclon | Scamp).partialView()
    views += v.length
    for (const id of v) {
      const j = pos.get(id)
      if (j !== undefined) inDeg[j]!++
    }
  }
  const mean = inDeg.reduce((a, b) => a + b, 0) / Math.max(1, live.length)
  const sd = Math.sqrt(inDeg.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, live.length))
  return { meanView: views / Math.max(1, live.length), inDegreeMean: mean, inDegreeSd: sd, inDegreeMax: Math.max(0, ...inDeg) }
}

/** The first broadcast (1-based: cycles after the crash) from which all reached `pct`; null if the last did not. */
export function healingOf (reliability: readonly number[], pct: number): number | null {
  let k = reliability.length
  while (k > 0 && reliability[k - 1]! >= pct) k--
  return k === reliability.length ? null : k + 1
}
