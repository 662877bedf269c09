/**
 * Simulator scenario: broadcast over a HyParView overlay (`grapevine sim broadcast`), after the
 * experiments of Leitão et al., SRDS 2007 §5. Plumtree or flood gossip; per broadcast:
 *   - reliability: % of the nodes alive when it was sent that delivered it;
 *   - RMR (relative message redundancy): m / (n − 1) − 1, m = payload messages sent for it (GOSSIP,
 *     graft answers included), n = nodes that delivered it; 0 means exactly one copy per node;
 *   - LDH (last delivery hop): the largest hop count at which it was delivered;
 *   - latency from send to delivery (p50 / p99 over the deliveries) and control messages.
 * The first `warmup` broadcasts let Plumtree's tree form; the summary covers the ones after. Optionally a
 * share of nodes crashes after broadcast `failAfter`, and the summary then also says how many broadcasts
 * it took to be back at 100% reliability and under 0.1 RMR.
 * Plumtree nodes have seeded Ed25519 identities and sign their broadcasts (StrictSign, unless
 * `plumtree.signaturePolicy` says otherwise); all nodes share one verifier that remembers verdicts, since
 * every node checks the same signatures. The result says how many signatures the nodes checked per delivery.
 * With `trace`, the last broadcast is traced for the report's replay, and the latency CDF is kept.
 */
import { Rng } from '../core/rng.js'
import { PeerVerifier, identityFromSeed, type Identity } from '../core/identity.js'
import { Flood } from '../broadcast/flood.js'
import type { BroadcastDelivery, BroadcastMessage } from '../broadcast/messages.js'
import { Plumtree, type PlumtreeConfig } from '../broadcast/plumtree.js'
import { HyParView, type HyParViewConfig } from '../membership/hyparview.js'
import { Simulator, type SimNode } from '../sim/simulator.js'
import { UniformLinkLatency } from '../sim/network.js'
import { overlayMetrics } from './overlay.js'
import { Population } from './population.js'
import { cdf, percentile } from './stats.js'
import { BroadcastTracer, type BroadcastTrace } from './trace.js'

export type BroadcastProtocol = 'plumtree' | 'flood'

export interface BroadcastScenarioOptions {
  protocol: BroadcastProtocol
  nodes: number
  /** Broadcasts in all. */
  messages: number
  /** 0: every broadcast from a random node. K > 0: K fixed nodes broadcast together, one each per slot. */
  sources: number
  /** Time between broadcast slots. */
  intervalMs: number
  /** Broadcasts excluded from the summary while the tree forms. */
  warmup: number
  /** Percentage of nodes crashed after broadcast `failAfter` (0: none). */
  failPct: number
  failAfter: number
  seed: number
  joinIntervalMs: number
  stabilizeMs: number
  payloadBytes: number
  latencyMinMs: number
  latencyMaxMs: number
  membership: Partial<HyParViewConfig>
  plumtree: Partial<PlumtreeConfig>
  codec: boolean
  /** Trace the last broadcast and keep the latency CDF (for the report). */
  trace?: boolean
}

export const DEFAULT_BROADCAST_SCENARIO: BroadcastScenarioOptions = {
  protocol: 'plumtree',
  nodes: 1000,
  messages: 200,
  sources: 0,
  // Broadcasts one second apart do not overlap (as in the paper's runs); concurrent sources use --sources.
  intervalMs: 1000,
  warmup: 10,
  failPct: 0,
  failAfter: 10,
  seed: 1,
  joinIntervalMs: 2,
  stabilizeMs: 10_000,
  payloadBytes: 64,
  latencyMinMs: 10,
  latencyMaxMs: 50,
  membership: { shufflePeriodMs: 5_000, repairPeriodMs: 1_000 },
  plumtree: {},
  codec: true
}

export interface BroadcastStats {
  reliability: number
  rmr: number
  ldh: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Payload messages sent for this broadcast. */
  payloads: number
  /** IHAVE announcements (ids) and GRAFTs that named this broadcast. */
  ihaveIds: number
  grafts: number
}

export interface BroadcastScenarioResult {
  protocol: BroadcastProtocol
  nodes: number
  seed: number
  /** Means over the broadcasts after the warm-up (and, with a failure, after recovery: see below). */
  reliability: number
  rmr: number
  ldh: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** IHAVE + GRAFT + PRUNE messages per live node per broadcast, after the warm-up. */
  controlPerNodePerBroadcast: number
  perBroadcast: BroadcastStats[]
  /** With a failure: broadcasts after the crash until reliability was 100% and stayed (null: never). */
  broadcastsToFullReliability: number | null
  /** With a failure: broadcasts after the crash until RMR was under 0.1 and stayed (null: never). */
  broadcastsToLowRmr: number | null
  overlay: { symmetricPct: number, largestComponentPct: number, avgPathLength: number }
  /**
   * Plumtree under StrictSign: signature checks the nodes made (`verified`, one per message a node received
   * first from a peer), deliveries from peers, their ratio, and the Ed25519 verifications actually computed
   * by the shared verifier (`computed`, the rest were remembered verdicts). Null for flood and StrictNoSign.
   */
  signatures: { verified: number, delivered: number, perDelivery: number, computed: number, rejected: number } | null
  events: number
  virtualMs: number
  /** With `trace`: the last broadcast's spread, and the CDF of latencies after the warm-up, [ms, fraction]. */
  trace?: BroadcastTrace
  latencyCdf?: Array<[number, number]>
}

interface Track {
  sentAt: number
  alive: Uint8Array
  liveCount: number
  delivered: number
  latencies: number[]
  ldh: number
  payloads: number
  ihaveIds: number
  grafts: number
}

export function runBroadcastScenario (partial: Partial<BroadcastScenarioOptions>): BroadcastScenarioResult {
  const o: BroadcastScenarioOptions = {
    ...DEFAULT_BROADCAST_SCENARIO,
    ...partial,
    membership: { ...DEFAULT_BROADCAST_SCENARIO.membership, ...partial.membership },
    plumtree: { ...partial.plumtree }
  }
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(o.latencyMinMs, o.latencyMaxMs, 0, o.seed), codec: o.codec })
  const rng = new Rng(o.seed).fork('scenario')
  const proto = o.protocol
  const tracks: Track[] = []
  const byId = new Map<string, Track>()
  const early = new Map<string, number>()
  const tracer = o.trace === true ? new BroadcastTracer(sim) : null
  let tracedId: string | null = null
  const delivered = (index: number, d: BroadcastDelivery): void => {
    if (d.id === tracedId) tracer?.delivered(index)
    const t = byId.get(d.id)
    if (t === undefined || index >= t.alive.length || t.alive[index] !== 1) return
    t.delivered++
    if (d.from !== null) t.latencies.push(sim.now - t.sentAt)
    if (d.round > t.ldh) t.ldh = d.round
  }
  // Identities from a stream of their own, so signing shifts none of the scenario's random choices.
  const signed = proto === 'plumtree' && (o.plumtree.signaturePolicy ?? 'StrictSign') === 'StrictSign'
  const idRng = new Rng(o.seed).fork('identities')
  const verifier = new PeerVerifier({ maxKeys: 100_000, memo: 50_000 })
  const pop = new Population(sim, rng, ctx => {
    const hv = new HyParView(ctx.env('membership'), o.membership)
    const listener = { event: (d: BroadcastDelivery) => delivered(ctx.index, d) }
    const identity = signed ? lazyIdentity(Uint8Array.from({ length: 32 }, () => idRng.int(256))) : null
    const b = proto === 'plumtree' ? new Plumtree(ctx.env('broadcast', listener), identity, { verifier, ...o.plumtree }) : new Flood(ctx.env('broadcast', listener))
    hv.addNeighborListener(b)
    return [hv, b]
  })
  pop.grow(o.nodes, o.joinIntervalMs)
  sim.run(sim.now + o.stabilizeMs)
  const ov = overlayMetrics(pop.live, rng.fork('paths'), 50)

  let control = 0
  let controlFrom = -1 // counting starts after the warm-up
  sim.onSend((_from, _to, p, m) => {
    if (p !== 'broadcast') return
    const msg = m as BroadcastMessage
    if (msg.kind === 'gossip') {
      const t = byId.get(msg.id)
      if (t !== undefined) t.payloads++
      else early.set(msg.id, (early.get(msg.id) ?? 0) + 1) // the source's own pushes, inside broadcast()
      return
    }
    if (controlFrom >= 0) control++
    if (msg.kind === 'ihave') {
      for (const id of msg.ids) { const t = byId.get(id); if (t !== undefined) t.ihaveIds++ }
    } else if (msg.kind === 'graft' && msg.id !== '') {
      const t = byId.get(msg.id)
      if (t !== undefined) t.grafts++
    }
  })
  const send = (src: SimNode): void => {
    const alive = new Uint8Array(sim.nodes.length)
    for (const n of pop.live) alive[n.index] = 1
    const t: Track = { sentAt: sim.now, alive, liveCount: pop.live.length, delivered: 1, latencies: [], ldh: 0, payloads: 0, ihaveIds: 0, grafts: 0 }
    const core = src.cores.get('broadcast') as Plumtree | Flood
    const traced = tracer !== null && tracks.length === o.messages - 1
    if (traced) tracer.start(tracks.length, pop.live, src)
    // The source delivers to itself inside broadcast(), before we know the id: counted above as delivered: 1.
    const id = core.broadcast(sim.now, new Uint8Array(o.payloadBytes))
    if (traced) tracedId = id
    t.payloads += early.get(id) ?? 0
    early.clear()
    byId.set(id, t)
    tracks.push(t)
  }

  const fixed = o.sources > 0 ? rng.sample(pop.live, o.sources) : []
  const perSlot = Math.max(1, o.sources)
  const slots = Math.ceil(o.messages / perSlot)
  const start = sim.now
  let liveAtControlStart = pop.live.length
  for (let s = 0; s < slots; s++) {
    sim.run(start + s * o.intervalMs)
    if (o.failPct > 0 && tracks.length === o.failAfter) pop.crashShare(o.failPct)
    if (tracks.length >= o.warmup && controlFrom < 0) {
      controlFrom = tracks.length
      liveAtControlStart = pop.live.length
    }
    for (let k = 0; k < perSlot && tracks.length < o.messages; k++) {
      const src = o.sources > 0 ? fixed[k]! : pop.randomLive()
      if (src.alive) send(src)
    }
  }
  sim.run(sim.now + 10_000) // let the last broadcasts (and their repairs) finish

  const per: BroadcastStats[] = tracks.map(t => {
    const lat = t.latencies.sort((a, b) => a - b)
    return {
      reliability: t.liveCount === 0 ? 100 : (100 * t.delivered) / t.liveCount,
      rmr: t.delivered <= 1 ? 0 : t.payloads / (t.delivered - 1) - 1,
      ldh: t.ldh,
      latencyP50Ms: percentile(lat, 0.5),
      latencyP99Ms: percentile(lat, 0.99),
      payloads: t.payloads,
      ihaveIds: t.ihaveIds,
      grafts: t.grafts
    }
  })
  const measured = per.slice(o.warmup)
  const mean = (f: (b: BroadcastStats) => number): number => measured.length === 0 ? 0 : measured.reduce((a, b) => a + f(b), 0) / measured.length
  const allLat = tracks.slice(o.warmup).flatMap(t => t.latencies).sort((a, b) => a - b)
  const after = o.failPct > 0 ? per.slice(o.failAfter) : []
  let signatures: BroadcastScenarioResult['signatures'] = null
  if (signed) {
    const cores = sim.nodes.map(n => n.cores.get('broadcast') as Plumtree)
    const sum = (f: (c: Plumtree) => number): number => cores.reduce((a, c) => a + f(c), 0)
    const verified = sum(c => c.stats.verified)
    const deliveredFromPeers = sum(c => c.stats.delivered)
    signatures = { verified, delivered: deliveredFromPeers, perDelivery: deliveredFromPeers === 0 ? 0 : verified / deliveredFromPeers, computed: verifier.checked, rejected: sum(c => c.stats.rejected) }
  }
  return {
    protocol: proto,
    nodes: o.nodes,
    seed: o.seed,
    reliability: mean(b => b.reliability),
    rmr: mean(b => b.rmr),
    ldh: mean(b => b.ldh),
    latencyP50Ms: percentile(allLat, 0.5),
    latencyP99Ms: percentile(allLat, 0.99),
    controlPerNodePerBroadcast: measured.length === 0 ? 0 : control / liveAtControlStart / measured.length,
    perBroadcast: per,
    broadcastsToFullReliability: o.failPct > 0 ? settledAfter(after, b => b.reliability === 100) : null,
    broadcastsToLowRmr: o.failPct > 0 ? settledAfter(after, b => b.rmr < 0.1) : null,
    overlay: { symmetricPct: ov.symmetricPct, largestComponentPct: ov.largestComponentPct, avgPathLength: ov.avgPathLength },
    signatures,
    events: sim.events,
    virtualMs: sim.now,
    ...(tracer?.trace !== undefined ? { trace: tracer.trace, latencyCdf: cdf(allLat) } : {})
  }
}

/**
 * The identity of `seed`, made when first used: making an Ed25519 key object costs about a millisecond, and
 * most nodes of a run never broadcast, so never sign.
 */
function lazyIdentity (seed: Uint8Array): Identity {
  let id: Identity | undefined
  const get = (): Identity => (id ??= identityFromSeed(seed))
  return {
    get peerId () { return get().peerId },
    get peerIdBytes () { return get().peerIdBytes },
    get publicKey () { return get().publicKey },
    get privateKey () { return get().privateKey }
  }
}

/** 1-based index of the first broadcast from which `ok` holds for all later ones (null: it never settles). */
function settledAfter (xs: BroadcastStats[], ok: (b: BroadcastStats) => boolean): number | null {
  let k = xs.length
  while (k > 0 && ok(xs[k - 1]!)) k--
  return k === xs.length ? null : k + 1
}
