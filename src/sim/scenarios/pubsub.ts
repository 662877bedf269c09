/**
 * Simulator scenario: GossipSub (`grapevine sim pubsub`). n nodes with seeded Ed25519 identities, each
 * connected to `degree` random others (a libp2p node's connections); every node subscribes to its topics;
 * after the meshes form, `publishers` nodes publish `rate` messages a second each for `seconds`. Links have
 * a fixed latency and each node an upload bandwidth (100 Mbit/s by default), so large messages take time
 * to send, which is what IDONTWANT exploits.
 * Reported: delivery ratio (deliveries / (messages × subscribers)), latency p50 / p99, payload
 * transmissions per delivery, duplicate payloads per node, control bytes; with IDONTWANT on or off; and,
 * with attackers publishing invalid messages, how the honest nodes score them over time.
 */
import { Rng } from '../../core/rng.js'
import { GossipSub, type GossipSubConfig, type GossipSubEvent } from '../../pubsub/gossipsub.js'
import { identityFromSeed, seqnoBytes, signMessage } from '../../pubsub/signing.js'
import type { RPC } from '../../wire/rpc.js'
import { ConstantLatency } from '../network.js'
import { Simulator } from '../simulator.js'

export interface PubsubScenarioOptions {
  nodes: number
  topics: number
  publishers: number
  /** Messages per second per publisher. */
  rate: number
  seconds: number
  sizeBytes: number
  latencyMs: number
  /** Each node's upload bandwidth in MB/s (0: unlimited). */
  bandwidthMBps: number
  degree: number
  idontwant: boolean
  /** Percentage of nodes publishing invalid (badly signed) messages. */
  attackersPct: number
  seed: number
  /** Time for meshes to form before publishing starts. */
  warmupMs: number
  gossipsub: Partial<GossipSubConfig>
}

export const DEFAULT_PUBSUB_SCENARIO: PubsubScenarioOptions = {
  nodes: 1000,
  topics: 1,
  publishers: 100,
  rate: 1,
  seconds: 10,
  sizeBytes: 256,
  latencyMs: 25,
  bandwidthMBps: 12.5,
  degree: 20,
  idontwant: true,
  attackersPct: 0,
  seed: 1,
  warmupMs: 5_000,
  gossipsub: {}
}

export interface PubsubScenarioResult {
  nodes: number
  messages: number
  deliveryRatio: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Payload-carrying message transmissions per delivery (1 would be a perfect tree). */
  transmissionsPerDelivery: number
  duplicatePayloadsPerNode: number
  duplicateBytes: number
  controlBytes: number
  payloadBytes: number
  /** With attackers: per second after the attack starts, the mean score honest peers give attackers. */
  attackerScoreBySecond: number[]
  /** With attackers: seconds until every attacker is under the graylist threshold at every honest peer that knows it. */
  attackersGraylistedAfterSec: number | null
  events: number
}

export function runPubsubScenario (partial: Partial<PubsubScenarioOptions>): PubsubScenarioResult {
  const o = { ...DEFAULT_PUBSUB_SCENARIO, ...partial }
  const sim = new Simulator({ seed: o.seed, latency: new ConstantLatency(o.latencyMs), ...(o.bandwidthMBps > 0 ? { uploadBytesPerMs: o.bandwidthMBps * 1000 } : {}) })
  const rng = new Rng(o.seed).fork('pubsub')
  const idents = Array.from({ length: o.nodes }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const ids = idents.map(i => i.peerId)
  const config: Partial<GossipSubConfig> = { ...o.gossipsub, ...(o.idontwant ? {} : { idontwantMinBytes: Infinity }) }
  idents.forEach((ident, i) => sim.addNode(ids[i]!, ctx => [new GossipSub(ctx.env('meshsub'), ident, config)]))
  const gs = (id: string): GossipSub => sim.protocol<GossipSub>(id, 'meshsub')
  const linked = new Set<string>()
  for (const a of ids) {
    for (const b of rng.sample(ids, o.degree)) {
      if (a === b) continue
      const k = a < b ? `${a} ${b}` : `${b} ${a}`
      if (linked.has(k)) continue
      linked.add(k)
      gs(a).onPeerUp(0, b, true)
      gs(b).onPeerUp(0, a, false)
    }
  }
  const topics = Array.from({ length: o.topics }, (_, i) => `topic-${i}`)
  for (const id of ids) for (const t of topics) gs(id).subscribe(0, t)
  const attackers = new Set(rng.sample(ids, Math.round(o.nodes * o.attackersPct / 100)))
  const honest = ids.filter(id => !attackers.has(id))
  const publishers = rng.sample(honest, Math.min(o.publishers, honest.length))

  // Accounting: deliveries and latency by message id; payload and control bytes by send.
  const sentAt = new Map<string, number>()
  const delivered = new Map<string, number>()
  const latencies: number[] = []
  sim.onEvent((node, _p, ev) => {
    const e = ev as GossipSubEvent
    if (e.type !== 'message' || attackers.has(node.id)) return
    const k = Buffer.from(e.id).toString('latin1')
    const t = sentAt.get(k)
    if (t === undefined) return
    delivered.set(k, (delivered.get(k) ?? 0) + 1)
    if (e.propagationSource !== null) latencies.push(sim.now - t)
  })
  let payloadSends = 0
  let payloadBytes = 0
  let controlBytes = 0
  sim.onSend((_from, _to, _p, m, bytes) => {
    const rpc = m as RPC
    if (rpc.messages.length > 0) {
      payloadSends += rpc.messages.length
      for (const msg of rpc.messages) payloadBytes += msg.data?.length ?? 0
    } else {
      controlBytes += bytes
    }
  })

  sim.run(o.warmupMs)
  const start = sim.now
  const interval = 1000 / o.rate
  let messages = 0
  const scoreBySecond: number[] = []
  let graylistedAt: number | null = null
  for (let tick = 0; tick < o.seconds * o.rate; tick++) {
    sim.run(start + tick * interval)
    for (const p of publishers) {
      const t = topics[rng.int(topics.length)]!
      const data = new Uint8Array(o.sizeBytes)
      new DataView(data.buffer).setUint32(0, messages)
      const r = gs(p).publish(sim.now, t, data)
      const k = Buffer.from(r.id).toString('latin1')
      sentAt.set(k, sim.now)
      delivered.set(k, 1) // the publisher delivered it to itself inside publish(), before we knew the id
      messages++
    }
    for (const a of attackers) {
      // An invalid message: signed by the attacker, then altered.
      const msg = signMessage(idents[ids.indexOf(a)]!, topics[0]!, new Uint8Array(o.sizeBytes), seqnoBytes(BigInt(tick + 1)))
      const bad = { ...msg, data: new Uint8Array(o.sizeBytes).fill(1) }
      for (const peer of gs(a).peersOf(topics[0]!)) sim.inject(a, peer, 'meshsub', gs(a).codec.encode({ subscriptions: [], messages: [bad] }))
    }
    if (attackers.size > 0 && (tick + 1) % o.rate === 0) {
      const { mean, allGraylisted } = attackerScores(sim, honest, attackers, gs)
      scoreBySecond.push(mean)
      if (allGraylisted && graylistedAt === null) graylistedAt = (tick + 1) / o.rate
    }
  }
  sim.run(sim.now + 5000)

  const subscribers = honest.length
  let deliveries = 0
  for (const n of delivered.values()) deliveries += n
  const sorted = latencies.sort((a, b) => a - b)
  const honestDeliveries = deliveries
  const duplicatePayloads = Math.max(0, payloadSends - honestDeliveries)
  return {
    nodes: o.nodes,
    messages,
    deliveryRatio: messages === 0 ? 1 : honestDeliveries / (messages * subscribers),
    latencyP50Ms: sorted[Math.floor(sorted.length * 0.5)] ?? 0,
    latencyP99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? 0,
    transmissionsPerDelivery: honestDeliveries === 0 ? 0 : payloadSends / honestDeliveries,
    duplicatePayloadsPerNode: duplicatePayloads / o.nodes,
    duplicateBytes: duplicatePayloads * o.sizeBytes,
    controlBytes,
    payloadBytes,
    attackerScoreBySecond: scoreBySecond,
    attackersGraylistedAfterSec: attackers.size > 0 ? graylistedAt : null,
    events: sim.events
  }
}

function attackerScores (sim: Simulator, honest: string[], attackers: Set<string>, gs: (id: string) => GossipSub): { mean: number, allGraylisted: boolean } {
  let sum = 0
  let n = 0
  let all = true
  for (const h of honest) {
    const g = gs(h)
    for (const a of attackers) {
      if (!g.peersOf('topic-0').includes(a)) continue
      const s = g.score.score(sim.now, a)
      sum += s
      n++
      if (s >= g.config.thresholds.graylistThreshold) all = false
    }
  }
  return { mean: n === 0 ? 0 : sum / n, allGraylisted: all }
}
