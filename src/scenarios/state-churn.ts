/**
 * Simulator scenario: origins coming and going (`grapevine sim churn`). A cluster of long-lived nodes runs
 * anti-entropy while `origins` short-lived origins appear one after another, each writing `keys` entries
 * that a long-lived node receives (as a relay would deliver them) and then never heard from again. The
 * scenario samples, at every long-lived node, the origins and entries held and the process's heap, with
 * forgetting on (`originTtlMs`) or off (0) — the memory a node needs under all-time membership churn.
 */
import type { NodeId } from '../core/protocol.js'
import { PeerVerifier } from '../core/identity.js'
import { UniformPeerSampling } from '../core/sampling.js'
import { AntiEntropy } from '../state/antientropy.js'
import { StateAuth, signSnapshot } from '../state/auth.js'
import { StateCodec } from '../state/codec.js'
import { Simulator } from '../sim/simulator.js'
import { UniformLinkLatency } from '../sim/network.js'

export interface ChurnScenarioOptions {
  /** Long-lived nodes. */
  nodes: number
  /** Short-lived origins over the run. */
  origins: number
  /** New origins per simulated second. */
  perSecond: number
  /** Entries each short-lived origin writes. */
  keys: number
  valueBytes: number
  /** Forget origins silent this long (0: never). */
  originTtlMs: number
  periodMs: number
  seed: number
}

export const DEFAULT_CHURN_SCENARIO: ChurnScenarioOptions = {
  nodes: 20, origins: 100_000, perSecond: 50, keys: 2, valueBytes: 32, originTtlMs: 600_000, periodMs: 1000, seed: 1
}

export interface ChurnScenarioResult {
  options: ChurnScenarioOptions
  /** Most origins and entries one long-lived node held at any sample. */
  peakOrigins: number
  peakEntries: number
  /** At the end. */
  finalOrigins: number
  finalEntries: number
  /** Largest JS heap seen at a sample (MB), for the whole simulated cluster. */
  peakHeapMB: number
  forgotten: number
  /** Short-lived origins' first keys learned, summed over the long-lived nodes (all delivered: origins × nodes). */
  learned: number
  virtualSeconds: number
}

export function runChurnScenario (partial: Partial<ChurnScenarioOptions> = {}): ChurnScenarioResult {
  const o: ChurnScenarioOptions = { ...DEFAULT_CHURN_SCENARIO, ...partial }
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(10, 50, 0, o.seed), codec: true })
  const ids: NodeId[] = Array.from({ length: o.nodes }, (_, i) => `n${i}`)
  const verifier = new PeerVerifier()
  // Long-lived nodes write a heartbeat well within the TTL, so only the short-lived origins go.
  const heartbeatMs = o.originTtlMs > 0 ? o.originTtlMs / 4 : 0
  let learned = 0
  for (const id of ids) {
    sim.addNode(id, ctx => [new AntiEntropy(ctx.env('state', { event: c => { if (c.key === 'k0' && !c.gone && !c.local) learned++ } }), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), null, {
      signaturePolicy: 'StrictNoSign', verifier, periodMs: o.periodMs, originTtlMs: o.originTtlMs, heartbeatMs, store: { maxOrigins: 1_000_000, maxEntries: 10_000_000 }
    })])
  }
  const core = (id: NodeId): AntiEntropy => sim.core<AntiEntropy>(id, 'state')
  const codec = new StateCodec()
  const value = new Uint8Array(o.valueBytes).fill(7)
  const every = 1000 / o.perSecond
  let peakOrigins = 0
  let peakEntries = 0
  let peakHeap = 0
  const sample = (): void => {
    for (const id of ids) {
      const c = core(id)
      if (c.originCount > peakOrigins) peakOrigins = c.originCount
      let entries = 0
      for (const _ of c.allEntries()) entries++
      if (entries > peakEntries) peakEntries = entries
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)
  }
  for (let i = 0; i < o.origins; i++) {
    const origin = `t${i}`
    const auth = new StateAuth(origin, 'StrictNoSign', null, verifier)
    const { entries, head } = signSnapshot(auth, 0, Array.from({ length: o.keys }, (_, k) => ({ key: `k${k}`, value, version: k + 1, deleted: false })))
    const bytes = codec.encode({ kind: 'push', exchange: 0, deltas: [{ origin, generation: 0, fromVersion: 0, toVersion: head.version, entries, head }] })
    const [relay, to] = sim.rng.sample(ids, 2) as [NodeId, NodeId]
    sim.at(i * every, () => sim.inject(relay, to, 'state', bytes))
  }
  const end = o.origins * every + Math.max(o.originTtlMs, 60_000) * 1.5
  // Sample once a simulated minute.
  for (let t = 60_000; t <= end + 60_000; t += 60_000) {
    sim.run(t)
    sample()
  }
  const last = core(ids[0]!)
  let finalEntries = 0
  for (const _ of last.allEntries()) finalEntries++
  return {
    options: o,
    peakOrigins,
    peakEntries,
    finalOrigins: last.originCount,
    finalEntries,
    peakHeapMB: peakHeap / 1e6,
    forgotten: last.stats.originsForgotten,
    learned,
    virtualSeconds: sim.now / 1000
  }
}
