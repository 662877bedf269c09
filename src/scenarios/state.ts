/**
 * Simulator scenario: anti-entropy convergence (`grapevine sim state`).
 *
 * n nodes start with the same replicated map of `keys` entries (owned round-robin), then at t0 a fraction
 * `changed` of those keys is rewritten by their owners and `updates` fresh keys are written by random
 * nodes. The scenario tracks, round by round (one round = one period), the fraction of live nodes that do
 * not yet hold every tracked version, until all do; then it checks that every live node holds exactly the
 * same entries. Loss, a partition healed after `partitionMs`, and crashes are optional.
 *
 * Theory to compare with (Karp et al., FOCS 2000; Demers et al., 1987): one update reaches n nodes in about
 * log₂n + ln n rounds by push, log₂n + O(ln ln n) by pull, log₃n + O(ln ln n) by push-pull.
 */
import { PeerVerifier, identityFromSeed, type Identity } from '../core/identity.js'
import type { NodeId } from '../core/protocol.js'
import { Rng } from '../core/rng.js'
import { UniformPeerSampling } from '../core/sampling.js'
import { AntiEntropy, type AntiEntropyConfig, type Content, type ExchangeStyle, type StateChange } from '../state/antientropy.js'
import { StateAuth, signSnapshot } from '../state/auth.js'
import type { Entry, Head } from '../state/messages.js'
import { Simulator } from '../sim/simulator.js'
import { UniformLinkLatency } from '../sim/network.js'

export interface StateScenarioOptions {
  nodes: number
  style: ExchangeStyle
  content: Content
  /** Fresh keys written at t0 by random nodes. */
  updates: number
  /** Size of the initial replicated map (entries, over all origins). */
  keys: number
  /** Fraction of the initial keys rewritten at t0. */
  changed: number
  valueBytes: number
  loss: number
  seed: number
  periodMs: number
  mtu?: number
  /** Split the nodes into two halves at t0 and heal after this long (0: no partition). */
  partitionMs: number
  /** Give up after this many rounds. */
  maxRounds: number
  latencyMinMs: number
  latencyMaxMs: number
  /** Encode and decode every message (default). Off: bytes are counted by the codec's exact `size`. */
  codec: boolean
  /** Nodes have Ed25519 identities and sign their state (StrictSign, the default); off: StrictNoSign. */
  signed: boolean
  /** Extra state config (tests use it for tombstone grace and the like). */
  state?: Partial<AntiEntropyConfig>
  /** Called once per round with the simulator (tests use it to inject faults). */
  onRound?: (round: number, sim: Simulator) => void
}

export const DEFAULT_STATE_SCENARIO: StateScenarioOptions = {
  nodes: 1000,
  style: 'pushpull',
  content: 'delta',
  updates: 1,
  keys: 0,
  changed: 0,
  valueBytes: 16,
  loss: 0,
  seed: 1,
  periodMs: 1000,
  partitionMs: 0,
  maxRounds: 200,
  latencyMinMs: 10,
  latencyMaxMs: 50,
  codec: true,
  signed: true
}

export interface StateScenarioResult {
  nodes: number
  style: ExchangeStyle
  content: Content
  seed: number
  trackedUpdates: number
  converged: boolean
  /** Rounds from t0 until every live node held every tracked version. */
  rounds: number
  /** Virtual ms from t0 until convergence. */
  virtualMs: number
  /** Fraction of live nodes not yet up to date at the end of each round (index 0 = at t0). */
  uninformedByRound: number[]
  /** State-protocol bytes sent per node per round, from t0 to convergence. */
  bytesPerNodePerRound: number
  messagesPerNodePerRound: number
  /** Every live node ends with identical entries. */
  identical: boolean
  theoryRounds: number
  traffic: { sent: number, bytes: number, lost: number, partitioned: number, malformed: number }
  events: number
}

export function theoryRounds (style: ExchangeStyle, n: number): number {
  const ln = Math.log(n)
  if (style === 'push') return Math.log2(n) + ln
  if (style === 'pull') return Math.log2(n) + Math.log(Math.max(ln, 1))
  return Math.log(n) / Math.log(3) + Math.log(Math.max(ln, 1))
}

export function runStateScenario (partial: Partial<StateScenarioOptions>): StateScenarioResult {
  const o: StateScenarioOptions = { ...DEFAULT_STATE_SCENARIO, ...partial }
  const n = o.nodes
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(o.latencyMinMs, o.latencyMaxMs, 0, o.seed), codec: o.codec })
  // Signed: seeded identities (the node id is the peer id) and one verifier for all nodes, remembering
  // verdicts: every node checks the same signatures.
  const identities = o.signed ? identitiesFor(n, o.seed) : null
  const ids: NodeId[] = identities?.map(x => x.peerId) ?? Array.from({ length: n }, (_, i) => `n${i}`)
  const verifier = new PeerVerifier({ maxKeys: n + 16, memo: o.signed ? 1_000_000 : 0 })
  const stateConfig: Partial<AntiEntropyConfig> = {
    style: o.style, content: o.content, periodMs: o.periodMs, signaturePolicy: o.signed ? 'StrictSign' : 'StrictNoSign', verifier, ...(o.mtu !== undefined ? { mtu: o.mtu } : {}), ...o.state
  }

  // The initial map, shared by every replica: key i owned by node i mod n.
  const scenarioRng = new Rng(o.seed).fork('scenario')
  const raw = new Map<number, Array<Omit<Entry, 'signature'>>>()
  for (let i = 0; i < o.keys; i++) {
    let list = raw.get(i % n)
    if (list === undefined) raw.set(i % n, list = [])
    list.push({ key: `k${i}`, value: randomBytes(scenarioRng, o.valueBytes), version: list.length + 1, deleted: false })
  }
  const initial = new Map<NodeId, { entries: Entry[], head: Head }>()
  for (const [i, list] of raw) {
    const auth = new StateAuth(ids[i]!, stateConfig.signaturePolicy!, identities?.[i] ?? null, verifier)
    initial.set(ids[i]!, signSnapshot(auth, 0, list))
  }

  // Change events, observed once the tracked updates are written (below).
  const changes: { observe?: (index: number, e: StateChange) => void } = {}
  for (const id of ids) {
    sim.addNode(id, ctx => {
      const core = new AntiEntropy(ctx.env('state', { event: (e: StateChange) => changes.observe?.(ctx.index, e) }), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), identities?.[ctx.index] ?? null, { ...stateConfig, generation: ctx.incarnation })
      for (const [origin, { entries, head }] of initial) core.restore(origin, { generation: 0, known: entries.length, gcVersion: 0, head }, entries)
      return [core]
    })
  }

  // Tracked updates: (origin, key) → version, and which nodes hold each.
  const t0 = sim.now
  const tracked = new Map<string, { index: number, version: number }>()
  const track = (origin: NodeId, key: string, version: number): void => {
    const k = origin + '\u0000' + key
    const prev = tracked.get(k)
    tracked.set(k, { index: prev?.index ?? tracked.size, version })
  }
  const changedCount = Math.round(o.keys * o.changed)
  const changedKeys = scenarioRng.sample(Array.from({ length: o.keys }, (_, i) => i), changedCount)
  for (const i of changedKeys) {
    const origin = ids[i % n]!
    const e = sim.core<AntiEntropy>(origin, 'state').set(t0, `k${i}`, randomBytes(scenarioRng, o.valueBytes))
    track(origin, e.key, e.version)
  }
  for (let j = 0; j < o.updates; j++) {
    const origin = ids[scenarioRng.int(n)]!
    const e = sim.core<AntiEntropy>(origin, 'state').set(t0, `u${j}`, randomBytes(scenarioRng, o.valueBytes))
    track(origin, e.key, e.version)
  }
  const total = tracked.size
  const have = new Uint32Array(n) // tracked versions held, per node
  const holds: Uint8Array[] = Array.from({ length: total }, () => new Uint8Array(n))
  // Writers hold their own updates.
  for (const [k, t] of tracked) {
    const origin = k.slice(0, k.indexOf('\u0000'))
    const idx = sim.node(origin)!.index
    holds[t.index]![idx] = 1
    have[idx] = have[idx]! + 1
  }
  let upToDate = 0
  for (let i = 0; i < n; i++) if (have[i] === total) upToDate++

  const healed = (): boolean => o.partitionMs <= 0 || sim.now >= t0 + o.partitionMs
  let convergedAt = -1
  changes.observe = (index, e) => {
    if (!e.local) {
      const t = tracked.get(e.origin + '\u0000' + e.key)
      if (t !== undefined && e.version >= t.version && holds[t.index]![index] !== 1) {
        holds[t.index]![index] = 1
        const count = have[index]! + 1
        have[index] = count
        if (count === total) upToDate++
      }
    }
    // Watch convergence as it happens (for virtualMs).
    if (convergedAt < 0 && upToDate === n && healed()) convergedAt = sim.now
  }

  if (o.partitionMs > 0) {
    sim.partition([ids.slice(0, Math.floor(n / 2))])
    sim.at(t0 + o.partitionMs, () => sim.heal())
  }
  sim.loss = o.loss

  const liveCount = (): number => sim.nodes.reduce((c, x) => c + (x.alive ? 1 : 0), 0)
  const liveUpToDate = (): number => {
    let c = 0
    for (const x of sim.nodes) if (x.alive && have[x.index] === total) c++
    return c
  }
  const traffic0 = { ...sim.trafficOf('state') }
  const uninformedByRound: number[] = [1 - upToDate / n]
  let rounds = 0
  if (upToDate === n && healed()) convergedAt = t0
  // Sample at round ends.
  while (convergedAt < 0 && rounds < o.maxRounds) {
    rounds++
    o.onRound?.(rounds, sim)
    sim.run(t0 + rounds * o.periodMs)
    const live = liveCount()
    const informed = upToDate === n ? live : liveUpToDate()
    uninformedByRound.push(live === 0 ? 0 : 1 - informed / live)
    if (convergedAt < 0 && informed === live && healed()) convergedAt = sim.now
  }
  const converged = convergedAt >= 0
  const traffic = sim.trafficOf('state')
  const sent = traffic.sent - traffic0.sent
  const bytes = traffic.bytes - traffic0.bytes
  const span = Math.max(rounds, 1)
  return {
    nodes: n,
    style: o.style,
    content: o.content,
    seed: o.seed,
    trackedUpdates: total,
    converged,
    rounds,
    virtualMs: converged ? convergedAt - t0 : sim.now - t0,
    uninformedByRound,
    bytesPerNodePerRound: bytes / n / span,
    messagesPerNodePerRound: sent / n / span,
    identical: allIdentical(sim),
    theoryRounds: theoryRounds(o.style, n),
    traffic: { sent, bytes, lost: traffic.lost - traffic0.lost, partitioned: traffic.partitioned - traffic0.partitioned, malformed: traffic.malformed - traffic0.malformed },
    events: sim.events
  }
}

/** True when every live node holds the same (origin, key, version, deleted) set. */
export function allIdentical (sim: Simulator): boolean {
  let reference: string | undefined
  for (const node of sim.nodes) {
    if (!node.alive) continue
    const core = node.cores.get('state') as AntiEntropy
    const sig = stateSignature(core)
    if (reference === undefined) reference = sig
    else if (sig !== reference) return false
  }
  return true
}

/** A compact fingerprint of a node's entries (FNV-style over origin, key, version, deleted). */
export function stateSignature (core: AntiEntropy): string {
  let count = 0
  let h1 = 0x811c9dc5
  let h2 = 0
  for (const { origin, entry: e } of core.allEntries()) {
    // Order-independent: sum and xor of per-entry hashes.
    let h = 0x811c9dc5
    const s = origin + '\u0000' + e.key + '\u0000' + e.version + (e.deleted ? 'd' : '')
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
    h1 ^= h
    h2 = (h2 + (h >>> 0)) % 0x100000000
    count++
  }
  return `${count}:${h1 >>> 0}:${h2}`
}

/** `n` Ed25519 identities from seeded RNG (the same seed gives the same peer ids). */
export function identitiesFor (n: number, seed: number): Identity[] {
  const rng = new Rng(seed).fork('identities')
  return Array.from({ length: n }, () => identityFromSeed(Uint8Array.from({ length: 32 }, () => rng.int(256))))
}

function randomBytes (rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = rng.int(256)
  return b
}

/**
 * The expected uninformed fraction round by round for one update among n nodes (Demers et al., PODC 1987;
 * Karp et al., FOCS 2000), from p₀ = 1 − 1/n: push p_{i+1} = p_i·e^{−(1−p_i)} (≈ p_i/e once most know),
 * pull p_{i+1} = p_i², push-pull p_{i+1} = p_i²·e^{−(1−p_i)}. Stops below 1/(10n): less than a node.
 */
export function theoryUninformed (style: ExchangeStyle, n: number, maxRounds: number): number[] {
  const out = [1 - 1 / n]
  while (out.length <= maxRounds && out[out.length - 1]! >= 0.1 / n) {
    const p = out[out.length - 1]!
    const pushed = Math.exp(-(1 - p))
    out.push(style === 'push' ? p * pushed : style === 'pull' ? p * p : p * p * pushed)
  }
  return out
}
