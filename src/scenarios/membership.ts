/**
 * Simulator scenarios for HyParView (`grapevine sim membership`), after the experiments of Leitão et al.,
 * DSN 2007 §5:
 *   - growth:  nodes join one after another through random existing contacts, then the overlay runs a
 *              while; report link symmetry, the largest connected component, in-degree distributions of
 *              both views, average shortest path and clustering coefficient;
 *   - failure: after growth, crash a share of the nodes at once; then every second a random live node
 *              floods a broadcast over the active views; report each broadcast's reliability (% of live
 *              nodes reached) and the time until it is back at 100%;
 *   - churn:   after growth, nodes keep joining and crashing at a steady rate while broadcasts go on;
 *              report reliability and view health over time.
 * Each node runs the real HyParView core and a flood-gossip core fed by its neighbour events.
 * With `trace`, the last broadcast (growth: one extra broadcast at the end) is traced for the report's replay.
 */
import { Rng } from '../core/rng.js'
import { Flood } from '../broadcast/flood.js'
import type { BroadcastDelivery } from '../broadcast/messages.js'
import { HyParView, type HyParViewConfig } from '../membership/hyparview.js'
import { Simulator } from '../sim/simulator.js'
import { UniformLinkLatency } from '../sim/network.js'
import { overlayMetrics, type OverlayMetrics } from './overlay.js'
import { Population } from './population.js'
import { BroadcastTracer, type BroadcastTrace } from './trace.js'

export type MembershipScenarioKind = 'growth' | 'failure' | 'churn'

export interface MembershipScenarioOptions {
  scenario: MembershipScenarioKind
  nodes: number
  /** failure: percentage of nodes crashed at once. */
  failPct: number
  /** failure and churn: broadcasts, one per second. */
  broadcasts: number
  seed: number
  /** growth: one node joins every this many ms. */
  joinIntervalMs: number
  /** Time the overlay runs after the last join before anything else happens. */
  stabilizeMs: number
  /** churn: nodes that crash, and nodes that join, per second each. */
  churnPerSec: number
  /** How often the view health is sampled during churn. */
  healthEveryMs: number
  /** Sources of shortest-path BFS (the average path length is estimated from these). */
  pathSources: number
  latencyMinMs: number
  latencyMaxMs: number
  /** How a crash looks to connected peers (a process crash is reported, a silent host is not). */
  crashNotice: 'reset' | 'silent'
  membership: Partial<HyParViewConfig>
  codec: boolean
  /** Trace the last broadcast (growth: one extra at the end) for the report's replay. */
  trace?: boolean
}

export const DEFAULT_MEMBERSHIP_SCENARIO: MembershipScenarioOptions = {
  scenario: 'growth',
  nodes: 1000,
  failPct: 50,
  broadcasts: 50,
  seed: 1,
  joinIntervalMs: 5,
  stabilizeMs: 30_000,
  churnPerSec: 1,
  healthEveryMs: 10_000,
  pathSources: 100,
  latencyMinMs: 10,
  latencyMaxMs: 50,
  crashNotice: 'reset',
  // One shuffle per second: a "cycle" of the paper's simulations.
  membership: { shufflePeriodMs: 1_000, repairPeriodMs: 1_000 },
  codec: true
}

export interface HealthSample {
  atMs: number
  liveNodes: number
  avgActive: number
  symmetricPct: number
  largestComponentPct: number
}

export interface MembershipScenarioResult {
  scenario: MembershipScenarioKind
  nodes: number
  seed: number
  /** The overlay when the scenario's measurement starts (after growth), or at the end for growth. */
  overlay: OverlayMetrics
  symmetricPct: number
  largestComponentPct: number
  /** Per broadcast, % of the nodes alive when it was sent (and still alive at the end) that delivered it. */
  reliability: number[]
  /** failure: virtual ms from the crash until every later broadcast reached 100% (null: never). */
  recoveredAfterMs: number | null
  /** The same, in repair periods. */
  recoveredAfterPeriods: number | null
  /** The overlay at the end of the run (failure and churn). */
  overlayAfter?: OverlayMetrics
  health: HealthSample[]
  /**
   * failure: virtual ms from the crash until the largest component of the active graph held at least 99.5%
   * of the survivors (sampled once a second, with `health`; null: never).
   */
  connectedAfterMs: number | null
  traffic: { sent: number, bytes: number }
  /** failure: membership messages sent after the crash, per survivor per second. */
  trafficAfterCrash?: { sent: number, bytes: number, perNodePerSec: number }
  events: number
  virtualMs: number
  /** With `trace`: the traced broadcast. */
  trace?: BroadcastTrace
}

export function runMembershipScenario (partial: Partial<MembershipScenarioOptions>): MembershipScenarioResult {
  const o: MembershipScenarioOptions = { ...DEFAULT_MEMBERSHIP_SCENARIO, ...partial, membership: { ...DEFAULT_MEMBERSHIP_SCENARIO.membership, ...partial.membership } }
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(o.latencyMinMs, o.latencyMaxMs, 0, o.seed), crashNotice: o.crashNotice, codec: o.codec })
  const rng = new Rng(o.seed).fork('scenario')
  // Broadcast bookkeeping: who was alive when each was sent, who delivered it.
  const sent: Array<{ alive: Uint8Array, delivered: Uint8Array }> = []
  const byId = new Map<string, number>()
  const tracer = o.trace === true ? new BroadcastTracer(sim) : null
  let tracedId: string | null = null
  const delivered = (index: number, d: BroadcastDelivery): void => {
    if (d.id === tracedId) tracer?.delivered(index)
    const b = byId.get(d.id)
    if (b === undefined) return
    const rec = sent[b]!
    if (index < rec.alive.length && rec.alive[index] === 1) rec.delivered[index] = 1
  }
  const pop = new Population(sim, rng, ctx => {
    const hv = new HyParView(ctx.env('membership'), o.membership)
    const flood = new Flood(ctx.env('broadcast', { event: (d: BroadcastDelivery) => delivered(ctx.index, d) }))
    hv.addNeighborListener(flood)
    return [hv, flood]
  })
  const live = pop.live
  const broadcast = (traced = false): void => {
    const alive = new Uint8Array(sim.nodes.length)
    for (const n of live) alive[n.index] = 1
    const src = pop.randomLive()
    const rec = { alive, delivered: new Uint8Array(sim.nodes.length) }
    if (traced) tracer?.start(sent.length, live, src)
    const id = (src.cores.get('broadcast') as Flood).broadcast(sim.now, new Uint8Array(16))
    if (traced) tracedId = id
    rec.delivered[src.index] = 1 // the source delivered it to itself, before we knew its id
    byId.set(id, sent.length)
    sent.push(rec)
  }

  pop.grow(o.nodes, o.joinIntervalMs)
  sim.run(sim.now + o.stabilizeMs)
  const overlay = overlayMetrics(live, rng.fork('paths'), o.pathSources)
  const result: MembershipScenarioResult = {
    scenario: o.scenario,
    nodes: o.nodes,
    seed: o.seed,
    overlay,
    symmetricPct: overlay.symmetricPct,
    largestComponentPct: overlay.largestComponentPct,
    reliability: [],
    recoveredAfterMs: null,
    recoveredAfterPeriods: null,
    health: [],
    connectedAfterMs: null,
    traffic: { sent: 0, bytes: 0 },
    events: 0,
    virtualMs: 0
  }

  if (o.scenario === 'failure') {
    const t0 = sim.now
    const before = sim.trafficOf('membership')
    const sentBefore = before.sent
    const bytesBefore = before.bytes
    pop.crashShare(o.failPct)
    for (let b = 0; b < o.broadcasts; b++) {
      sim.run(t0 + (b + 1) * 1000)
      // The survivors' active graph, once a second: how much of it is one component.
      const m = overlayMetrics(live, rng.fork(`health${b}`), 0)
      result.health.push({ atMs: (b + 1) * 1000, liveNodes: live.length, avgActive: m.activeInDegree.mean, symmetricPct: m.symmetricPct, largestComponentPct: m.largestComponentPct })
      broadcast(b === o.broadcasts - 1)
    }
    sim.run(sim.now + 2000)
    let c = result.health.length
    while (c > 0 && result.health[c - 1]!.largestComponentPct >= 99.5) c--
    if (c < result.health.length) result.connectedAfterMs = result.health[c]!.atMs
    const after = sim.trafficOf('membership')
    const secs = (sim.now - t0) / 1000
    result.trafficAfterCrash = { sent: after.sent - sentBefore, bytes: after.bytes - bytesBefore, perNodePerSec: live.length === 0 ? 0 : (after.sent - sentBefore) / live.length / secs }
    result.reliability = sent.map(rec => reliabilityOf(sim, rec))
    let k = result.reliability.length
    while (k > 0 && result.reliability[k - 1] === 100) k--
    if (k < result.reliability.length) {
      result.recoveredAfterMs = (k + 1) * 1000
      result.recoveredAfterPeriods = result.recoveredAfterMs / (o.membership.repairPeriodMs ?? 1000)
    }
    result.overlayAfter = overlayMetrics(live, rng.fork('paths-after'), o.pathSources)
  } else if (o.scenario === 'churn') {
    const t0 = sim.now
    let carry = 0
    for (let s = 1; s <= o.broadcasts; s++) {
      // Each second: churnPerSec crashes and as many joins, spread over the second.
      carry += o.churnPerSec
      const k = Math.floor(carry)
      carry -= k
      for (let j = 0; j < k; j++) {
        sim.run(t0 + (s - 1) * 1000 + (j + 0.5) * (1000 / (k + 1)))
        if (live.length > 2) pop.crash(pop.randomLive())
        pop.spawn()
      }
      sim.run(t0 + s * 1000)
      broadcast(s === o.broadcasts)
      if ((s * 1000) % o.healthEveryMs === 0) {
        const m = overlayMetrics(live, rng.fork(`health${s}`), 0)
        result.health.push({ atMs: s * 1000, liveNodes: live.length, avgActive: m.activeInDegree.mean, symmetricPct: m.symmetricPct, largestComponentPct: m.largestComponentPct })
      }
    }
    sim.run(sim.now + 2000)
    result.reliability = sent.map(rec => reliabilityOf(sim, rec))
    result.overlayAfter = overlayMetrics(live, rng.fork('paths-after'), o.pathSources)
  } else if (tracer !== null) {
    broadcast(true)
    sim.run(sim.now + 2000)
  }
  if (tracer?.trace !== undefined) result.trace = tracer.trace
  const t = sim.trafficOf('membership')
  result.traffic = { sent: t.sent, bytes: t.bytes }
  result.events = sim.events
  result.virtualMs = sim.now
  return result
}

/**
 * % of the nodes alive when the broadcast was sent, and still alive at the end, that delivered it: a node
 * that crashed while the message was travelling is no loss of the protocol's.
 */
function reliabilityOf (sim: Simulator, rec: { alive: Uint8Array, delivered: Uint8Array }): number {
  let alive = 0
  let delivered = 0
  for (let i = 0; i < rec.alive.length; i++) {
    if (rec.alive[i] !== 1 || !sim.nodes[i]!.alive) continue
    alive++
    delivered += rec.delivered[i]!
  }
  return alive === 0 ? 100 : (100 * delivered) / alive
}
