/**
 * Simulator scenario: GossipSub (`grapevine sim pubsub`). n nodes with seeded Ed25519 identities, each
 * connected to `degree` random others (a libp2p node's connections); every node subscribes to its topics;
 * after the meshes form, `publishers` nodes publish `rate` messages a second each for `seconds`. Links have
 * a fixed latency and each node an upload bandwidth (100 Mbit/s by default), so large messages take time
 * to send, which is what IDONTWANT exploits.
 * Reported: delivery ratio (deliveries / (messages × subscribers)), latency p50 / p99, payload
 * transmissions per delivery, duplicate payloads per node, control bytes; with IDONTWANT on or off; and,
 * with attackers publishing invalid messages, how the honest nodes score them over time.
 * Sybil attacks (./sybil.ts: Sybils that join the mesh and drop, eclipse of a target, cold boot, covert
 * flash): the honest delivery ratio and latency of the messages published once the attack is on.
 * Late subscribers (`lateSubscribersPct`): nodes that subscribe after publishing started, and how many of
 * the messages published before they joined reach them (the router's topic history, ../gossipsub/history.ts).
 */
import { Rng } from '../core/rng.js'
import type { GossipSub, GossipSubConfig, GossipSubStats } from '../gossipsub/gossipsub.js'
import { SignatureVerifier, seqnoBytes, signMessage } from '../gossipsub/signing.js'
import { identityFromSeed } from '../core/identity.js'
import type { RPC } from '../wire/rpc.js'
import { SimCluster } from '../sim/cluster.js'
import { ConstantLatency, UniformLinkLatency } from '../sim/network.js'
import { Simulator } from '../sim/simulator.js'
import { cdf, percentile } from './stats.js'
import { SYBIL_CONFIG, makeSybil, type SybilAttack } from './sybil.js'

export interface PubsubScenarioOptions {
  nodes: number
  topics: number
  publishers: number
  /** Messages per second per publisher. */
  rate: number
  seconds: number
  sizeBytes: number
  latencyMs: number
  /** Each link's latency is drawn once from [latencyMs − spread, latencyMs + spread] (0: all equal). */
  latencySpreadMs: number
  /** Each node's upload bandwidth in MB/s (0: unlimited). */
  bandwidthMBps: number
  degree: number
  idontwant: boolean
  /**
   * How nodes connect: 'random' — each dials `degree` random others (a libp2p node's connections), topic
   * discovery off; 'hyparview' — HyParView membership gives each node ~5 connections, and topic discovery
   * through the replicated state connects topic peers. Every node is a whole grapevine node (src/node).
   */
  overlay: 'random' | 'hyparview'
  /** Percentage of nodes that subscribe to the topics (the rest only relay membership and state). */
  subscribersPct: number
  /** With the hyparview overlay: topic discovery through the state on or off. */
  discovery: boolean
  /** Percentage of nodes publishing invalid (badly signed) messages. */
  attackersPct: number
  seed: number
  /** Nodes subscribe at random moments within this long from the start. */
  joinSpreadMs: number
  /** Time for meshes to form before publishing starts. */
  warmupMs: number
  /** `deliveredInTime` counts deliveries within this long of publishing. */
  deadlineMs: number
  gossipsub: Partial<GossipSubConfig>
  /**
   * Whether every RPC goes through the codec (encoded, decoded at each recipient). Off (the default),
   * recipients get the sender's objects, bytes still counted exactly (the codec's `size`): the same results
   * event for event (a test compares them), with far less memory and time, since the nodes then share one
   * copy of each message instead of decoding one each (1,000 nodes each caching 5,000 decoded messages
   * do not fit in 4 GB).
   */
  codec: boolean
  /** A Sybil attack (./sybil.ts), by `sybils` extra nodes; 'none' by default. */
  attack: SybilAttack
  sybils: number
  /** Honest nodes each Sybil connects to (eclipse: only the target). */
  sybilDegree: number
  /** Covert flash: the Sybils behave until this long after publishing starts. */
  attackDelayMs: number
  /** Percentage of the subscribers that subscribe only `lateJoinAtMs` after publishing starts (within 1 s). */
  lateSubscribersPct: number
  lateJoinAtMs: number
}

export const DEFAULT_PUBSUB_SCENARIO: PubsubScenarioOptions = {
  nodes: 1000,
  topics: 1,
  publishers: 100,
  rate: 1,
  seconds: 10,
  sizeBytes: 256,
  latencyMs: 25,
  latencySpreadMs: 0,
  bandwidthMBps: 12.5,
  degree: 20,
  idontwant: true,
  overlay: 'random',
  subscribersPct: 100,
  discovery: true,
  attackersPct: 0,
  seed: 1,
  joinSpreadMs: 1_000,
  warmupMs: 5_000,
  deadlineMs: 250,
  gossipsub: {},
  codec: false,
  attack: 'none',
  sybils: 0,
  sybilDegree: 20,
  attackDelayMs: 0,
  lateSubscribersPct: 0,
  lateJoinAtMs: 5_000
}

/** Honest delivery of the messages published once a Sybil attack is on. */
export interface AttackResult {
  attack: SybilAttack
  sybils: number
  /** When the attack started, ms after publishing started. */
  startMs: number
  messages: number
  deliveryRatio: number
  deliveredInTime: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Eclipse: the target's own delivery ratio and p50 latency. */
  target: { deliveryRatio: number, deliveredInTime: number, latencyP50Ms: number } | null
  /** Fraction of the honest nodes' mesh slots held by Sybils at the end. */
  sybilMeshShare: number
}

/** Late subscribers: how many of the messages published before each joined reached it. */
export interface LateResult {
  subscribers: number
  /** Σ over late subscribers of the messages published before it joined. */
  before: number
  beforeDeliveryRatio: number
  /** Delivery ratio of the messages published after each joined. */
  afterDeliveryRatio: number
}

export interface PubsubScenarioResult {
  nodes: number
  messages: number
  deliveryRatio: number
  /** Like deliveryRatio, counting only deliveries within `deadlineMs` of publishing (the mesh's, not gossip's). */
  deliveredInTime: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** Payload-carrying message transmissions per delivery (1 would be a perfect tree). */
  transmissionsPerDelivery: number
  duplicatePayloadsPerNode: number
  duplicateBytes: number
  controlBytes: number
  payloadBytes: number
  /** With attackers: the mean score honest peers give attackers 1, 2, … s after the attack starts. */
  attackerScoreBySecond: number[]
  /** With attackers: seconds (to 0.1 s) until every attacker is under the graylist threshold at every honest peer that knows it. */
  attackersGraylistedAfterSec: number | null
  /** Mean and extremes of honest nodes' mesh sizes (topic 0) at the end. */
  meshDegree: { mean: number, min: number, max: number }
  /** Sends dropped because a node's uplink queue was full (see SimOptions.maxUplinkQueueMs). */
  queueDrops: number
  /** The routers' counters summed over all nodes. */
  stats: GossipSubStats
  events: number
  /** The CDF of delivery latencies, [ms, fraction] (at most 101 points). */
  latencyCdf: Array<[number, number]>
  /** Payload transmissions per delivery in each second from the first publish (to the last with deliveries; a last bucket after the publishing seconds holds the tail). */
  transmissionsPerDeliveryBySecond: number[]
  /** Payload transmissions in all (Sybils' included). */
  payloadSends: number
  attack: AttackResult | null
  late: LateResult | null
}

export function runPubsubScenario (partial: Partial<PubsubScenarioOptions>): PubsubScenarioResult {
  const o = { ...DEFAULT_PUBSUB_SCENARIO, ...partial }
  const latency = o.latencySpreadMs > 0 ? new UniformLinkLatency(Math.max(0, o.latencyMs - o.latencySpreadMs), o.latencyMs + o.latencySpreadMs, 0, o.seed) : new ConstantLatency(o.latencyMs)
  const sim = new Simulator({ seed: o.seed, latency, codec: o.codec, ...(o.bandwidthMBps > 0 ? { uploadBytesPerMs: o.bandwidthMBps * 1000 } : {}) })
  const rng = new Rng(o.seed).fork('pubsub')
  const idents = Array.from({ length: o.nodes }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
  const ids = idents.map(i => i.peerId)
  // One verifier for all nodes, remembering verdicts: every node checks the same signatures.
  const verifier = new SignatureVerifier(o.gossipsub.signaturePolicy ?? 'StrictSign', { maxKeys: 100_000, memo: 50_000 })
  const gossipsub: Partial<GossipSubConfig> = { verifier, ...o.gossipsub, ...(o.idontwant ? {} : { idontwantMinBytes: Infinity }) }
  const cluster = new SimCluster(sim, { gossipsub, discovery: o.overlay === 'hyparview' && o.discovery ? {} : false })
  const gs = (id: string): GossipSub => cluster.get(id).cores.gossipsub
  if (o.overlay === 'hyparview') {
    idents.forEach((ident, i) => {
      const node = cluster.add(ident)
      if (i > 0) node.join(ids[rng.int(i)]!)
      sim.run(sim.now + 10)
    })
  } else {
    for (const ident of idents) cluster.add(ident)
    const linked = new Set<string>()
    for (const a of ids) {
      for (const b of rng.sample(ids, o.degree)) {
        if (a === b) continue
        const k = a < b ? `${a} ${b}` : `${b} ${a}`
        if (linked.has(k)) continue
        linked.add(k)
        sim.link(a, b)
      }
    }
  }
  const topics = Array.from({ length: o.topics }, (_, i) => `topic-${i}`)
  const subscribers = o.subscribersPct >= 100 ? ids : rng.sample(ids, Math.max(1, Math.round(o.nodes * o.subscribersPct / 100)))
  // Late subscribers, drawn from their own stream so that the rest of the run draws as it did without them.
  const lateRng = new Rng(o.seed).fork('late')
  const late = new Set(o.lateSubscribersPct > 0 ? lateRng.sample(subscribers, Math.round(subscribers.length * o.lateSubscribersPct / 100)) : [])
  // Sybils: extra nodes with their own identities and stream (the honest network is the same with or without them).
  const srng = new Rng(o.seed).fork('sybils')
  const sybilIds: string[] = []
  const eclipseTarget = o.attack === 'eclipse' ? srng.pick(subscribers.filter(id => !late.has(id))) : undefined
  let attackAt = Infinity // the attack's start (set when publishing starts)
  if (o.attack !== 'none' && o.sybils > 0) {
    for (let i = 0; i < o.sybils; i++) {
      const ident = identityFromSeed(Uint8Array.from({ length: 32 }, () => srng.int(256)))
      const node = cluster.add(ident, { gossipsub: { ...gossipsub, ...SYBIL_CONFIG }, discovery: false })
      makeSybil(node.cores.gossipsub, () => sim.now >= attackAt)
      sybilIds.push(ident.peerId)
    }
  }
  const linkSybils = (): void => {
    for (const s of sybilIds) {
      for (const h of eclipseTarget !== undefined ? [eclipseTarget] : srng.sample(ids, o.sybilDegree)) sim.link(s, h)
    }
  }
  const coldBoot = o.attack === 'cold-boot' || o.attack === 'covert-flash'
  if (coldBoot) linkSybils()
  // Nodes join their topics at random moments of the first `joinSpreadMs`, as a real network's nodes do
  // (a perfectly simultaneous start makes every node graft the same first few announcers).
  const t0 = sim.now
  const joins = subscribers.filter(id => !late.has(id)).map(id => ({ id, at: t0 + o.joinSpreadMs * rng.float() })).sort((a, b) => a.at - b.at)
  for (const s of sybilIds) joins.push({ id: s, at: t0 + o.joinSpreadMs * srng.float() })
  joins.sort((a, b) => a.at - b.at)
  for (const j of joins) {
    sim.run(j.at)
    for (const t of topics) cluster.get(j.id).pubsub.join(t).subscribe({ bufferSize: 1 })
  }
  const attackers = new Set(rng.sample(ids, Math.round(o.nodes * o.attackersPct / 100)))
  const honest = ids.filter(id => !attackers.has(id))
  const subscribed = new Set(subscribers)
  const honestSubscribers = honest.filter(id => subscribed.has(id))
  // Late subscribers do not publish (their own messages would precede their subscription).
  const pool = late.size === 0 ? honestSubscribers : honestSubscribers.filter(id => !late.has(id))
  const publishers = rng.sample(pool, Math.min(o.publishers, pool.length))

  // Accounting: deliveries and latency by message id; payload and control bytes by send.
  const sentAt = new Map<string, number>()
  const delivered = new Map<string, number>()
  const latencies: number[] = []
  // Deliveries of the messages published once the attack is on, and to the eclipse target.
  const attacked = { deliveries: 0, latencies: [] as number[], target: 0, targetLatencies: [] as number[] }
  // Late subscribers: when each joined; deliveries of messages published before / after that.
  const joinedAt = new Map<string, number>()
  const lateGot = { before: 0, after: 0 }
  // Per-second buckets from the first publish (start is set below, before anything is published).
  let start = Infinity
  const bucket = (): number => Math.min(o.seconds, Math.max(0, Math.floor((sim.now - start) / 1000)))
  const sendsBySec = new Array<number>(o.seconds + 1).fill(0)
  const deliveriesBySec = new Array<number>(o.seconds + 1).fill(0)
  for (const id of honest) {
    if (!subscribed.has(id)) continue
    cluster.get(id).pubsub.on('message', m => {
      const k = Buffer.from(m.id).toString('latin1')
      const t = sentAt.get(k)
      if (t === undefined) return
      delivered.set(k, (delivered.get(k) ?? 0) + 1)
      deliveriesBySec[bucket()]!++
      if (m.receivedFrom !== null) latencies.push(sim.now - t)
      if (t >= attackAt) {
        attacked.deliveries++
        attacked.latencies.push(sim.now - t)
        if (id === eclipseTarget) {
          attacked.target++
          attacked.targetLatencies.push(sim.now - t)
        }
      }
      const j = joinedAt.get(id)
      if (j !== undefined) {
        if (t < j) lateGot.before++
        else lateGot.after++
      }
    })
  }
  let payloadSends = 0
  let payloadBytes = 0
  let controlBytes = 0
  sim.onSend((_from, _to, proto, m, bytes) => {
    if (proto !== 'gossipsub') return
    const rpc = m as RPC
    if (rpc.messages.length > 0) {
      payloadSends += rpc.messages.length
      if (sim.now >= start) sendsBySec[bucket()]! += rpc.messages.length
      for (const msg of rpc.messages) payloadBytes += msg.data?.length ?? 0
    } else {
      controlBytes += bytes
    }
  })

  sim.run(t0 + o.warmupMs)
  start = sim.now
  if (o.attack !== 'none') attackAt = start + (o.attack === 'covert-flash' ? o.attackDelayMs : 0)
  if (o.attack === 'sybil' || o.attack === 'eclipse') linkSybils()
  const lateJoins = [...late].map(id => ({ id, at: start + o.lateJoinAtMs + 1000 * lateRng.float() })).sort((a, b) => a.at - b.at)
  for (const j of lateJoins) {
    sim.at(j.at, () => {
      joinedAt.set(j.id, sim.now)
      for (const t of topics) cluster.get(j.id).pubsub.join(t).subscribe({ bufferSize: 1 })
    })
  }
  const interval = 1000 / o.rate
  let messages = 0
  const scoreBySecond: number[] = []
  let graylistedAt: number | null = null
  if (attackers.size > 0) {
    // Scores every 100 ms from the first attack: when all attackers are graylisted, and a per-second series.
    for (let j = 1; j <= o.seconds * 10; j++) {
      sim.at(start + j * 100, () => {
        if (graylistedAt !== null && j % 10 !== 0) return
        const { mean, allGraylisted } = attackerScores(sim, honest, attackers, gs)
        if (j % 10 === 0) scoreBySecond.push(mean)
        if (allGraylisted && graylistedAt === null) graylistedAt = j / 10
      })
    }
  }
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
      deliveriesBySec[bucket()]!++
      messages++
    }
    for (const a of attackers) {
      // An invalid message: signed by the attacker, then altered.
      const msg = signMessage(idents[ids.indexOf(a)]!, topics[0]!, new Uint8Array(o.sizeBytes), seqnoBytes(BigInt(tick + 1)))
      const bad = { ...msg, data: new Uint8Array(o.sizeBytes).fill(1) }
      for (const peer of gs(a).peersOf(topics[0]!)) sim.inject(a, peer, 'gossipsub', gs(a).wire.codec.encode({ subscriptions: [], messages: [bad] }))
    }
  }
  sim.run(sim.now + 5000)
  const publishedAt = [...sentAt.values()]

  let deliveries = 0
  for (const n of delivered.values()) deliveries += n
  const sorted = latencies.sort((a, b) => a - b)
  const honestDeliveries = deliveries
  const duplicatePayloads = Math.max(0, payloadSends - honestDeliveries)
  let lastBucket = deliveriesBySec.length - 1
  while (lastBucket > 0 && deliveriesBySec[lastBucket] === 0) lastBucket--
  return {
    nodes: o.nodes,
    messages,
    deliveryRatio: messages === 0 ? 1 : honestDeliveries / (messages * honestSubscribers.length),
    deliveredInTime: messages === 0 ? 1 : (messages + sorted.filter(l => l <= o.deadlineMs).length) / (messages * honestSubscribers.length),
    latencyP50Ms: percentile(sorted, 0.5),
    latencyP99Ms: percentile(sorted, 0.99),
    transmissionsPerDelivery: honestDeliveries === 0 ? 0 : payloadSends / honestDeliveries,
    duplicatePayloadsPerNode: duplicatePayloads / o.nodes,
    duplicateBytes: duplicatePayloads * o.sizeBytes,
    controlBytes,
    payloadBytes,
    attackerScoreBySecond: scoreBySecond,
    attackersGraylistedAfterSec: attackers.size > 0 ? graylistedAt : null,
    queueDrops: sim.trafficOf('gossipsub').queueDrops,
    stats: sumStats(ids.map(id => gs(id).stats)),
    meshDegree: meshDegree(honestSubscribers.map(id => gs(id).mesh.get(topics[0]!)?.size ?? 0)),
    events: sim.events,
    latencyCdf: cdf(sorted),
    transmissionsPerDeliveryBySecond: sendsBySec.slice(0, lastBucket + 1).map((x, i) => deliveriesBySec[i] === 0 ? 0 : x / deliveriesBySec[i]!),
    payloadSends,
    attack: o.attack === 'none' ? null : attackResult(o, attackAt - start, publishedAt.filter(t => t >= attackAt).length, honestSubscribers.length, attacked, eclipseTarget !== undefined,
      sybilMeshShare(honestSubscribers.map(id => gs(id).mesh.get(topics[0]!)), new Set(sybilIds))),
    late: late.size === 0 ? null : lateResult(publishedAt, joinedAt, lateGot)
  }
}

function attackResult (o: PubsubScenarioOptions, startMs: number, messages: number, subscribers: number, a: { deliveries: number, latencies: number[], target: number, targetLatencies: number[] }, eclipse: boolean, share: number): AttackResult {
  const sorted = a.latencies.sort((x, y) => x - y)
  const ratio = (n: number, d: number): number => d === 0 ? 1 : n / d
  return {
    attack: o.attack,
    sybils: o.sybils,
    startMs,
    messages,
    // The publishers' own deliveries (inside publish(), not seen by the listener) count as on time.
    deliveryRatio: ratio(a.deliveries + messages, messages * subscribers),
    deliveredInTime: ratio(sorted.filter(l => l <= o.deadlineMs).length + messages, messages * subscribers),
    latencyP50Ms: percentile(sorted, 0.5),
    latencyP99Ms: percentile(sorted, 0.99),
    target: eclipse ? { deliveryRatio: ratio(a.target, messages), deliveredInTime: ratio(a.targetLatencies.filter(l => l <= o.deadlineMs).length, messages), latencyP50Ms: percentile(a.targetLatencies.sort((x, y) => x - y), 0.5) } : null,
    sybilMeshShare: share
  }
}

function sybilMeshShare (meshes: Array<ReadonlySet<string> | undefined>, sybils: ReadonlySet<string>): number {
  let all = 0
  let held = 0
  for (const m of meshes) {
    for (const p of m ?? []) {
      all++
      if (sybils.has(p)) held++
    }
  }
  return all === 0 ? 0 : held / all
}

function lateResult (publishedAt: number[], joinedAt: ReadonlyMap<string, number>, got: { before: number, after: number }): LateResult {
  let before = 0
  let after = 0
  for (const j of joinedAt.values()) {
    for (const t of publishedAt) {
      if (t < j) before++
      else after++
    }
  }
  return { subscribers: joinedAt.size, before, beforeDeliveryRatio: before === 0 ? 1 : got.before / before, afterDeliveryRatio: after === 0 ? 1 : got.after / after }
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

function meshDegree (sizes: number[]): { mean: number, min: number, max: number } {
  if (sizes.length === 0) return { mean: 0, min: 0, max: 0 }
  return { mean: sizes.reduce((a, b) => a + b, 0) / sizes.length, min: Math.min(...sizes), max: Math.max(...sizes) }
}

function sumStats (all: GossipSubStats[]): GossipSubStats {
  const sum = { ...all[0]! }
  for (const k of Object.keys(sum) as (keyof GossipSubStats)[]) sum[k] = all.reduce((a, s) => a + s[k], 0)
  return sum
}
