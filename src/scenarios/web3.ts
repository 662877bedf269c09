/**
 * Simulator scenario for `grapevine sim paper web3`: one network, one workload, five ways to spread it.
 * n nodes; each dials `outbound` random others (Bitcoin Core's 8 outbound full-relay connections), so a
 * node has ~2 × outbound links, each with a latency fixed per link in [latencyMinMs, latencyMaxMs] — the
 * same graph and latencies for every protocol (same seed). Over it, the same `messages` messages of
 * `payloadBytes` each, one every `intervalMs` from random nodes (the same sources for every protocol),
 * after `warmup` messages left out (Plumtree's tree and GossipSub's meshes form on them), spread by:
 *   - plumtree: src/broadcast/plumtree.ts, every link a neighbour (StrictNoSign);
 *   - flood: src/broadcast/flood.ts, every link a neighbour;
 *   - gossipsub: src/gossipsub (one topic every node subscribes to, StrictNoSign, default D = 6);
 *   - bitcoin: src/baselines/web3/bitcoin.ts (trickled inv, getdata, tx);
 *   - devp2p: src/baselines/web3/devp2p.ts (√n pushes, hash announcements, fetches).
 * Per message: the time until 50%, 90% and 100% of the nodes have it; per protocol, the means over the
 * measured messages, the share delivered, bytes sent per node per message (everything the protocol sent
 * from the first measured message to the end, control and heartbeats included, at wire size: the codec
 * is off and each core counts its messages' exact encoded length), and duplicate payloads per delivery.
 * No bandwidth limit: latencies are propagation and protocol delays, not queueing.
 */
import type { BroadcastDelivery, BroadcastMessage } from '../broadcast/messages.js'
import { Flood } from '../broadcast/flood.js'
import { Plumtree } from '../broadcast/plumtree.js'
import { BitcoinRelay, type BitcoinDelivery, type BitcoinMessage } from '../baselines/web3/bitcoin.js'
import { Devp2pRelay, type Devp2pDelivery, type Devp2pMessage } from '../baselines/web3/devp2p.js'
import { Rng } from '../core/rng.js'
import { GossipSub, type GossipSubEvent } from '../gossipsub/gossipsub.js'
import type { RPC } from '../wire/rpc.js'
import { UniformLinkLatency } from '../sim/network.js'
import { Simulator } from '../sim/simulator.js'
import { cdf } from './stats.js'

export const WEB3_PROTOCOLS = ['plumtree', 'flood', 'gossipsub', 'bitcoin', 'devp2p'] as const
export type Web3Protocol = typeof WEB3_PROTOCOLS[number]

export interface Web3ScenarioOptions {
  protocol: Web3Protocol
  nodes: number
  /** Connections each node dials; a node ends up with ~2 × this many links. */
  outbound: number
  messages: number
  warmup: number
  intervalMs: number
  payloadBytes: number
  seed: number
  latencyMinMs: number
  latencyMaxMs: number
  /** Time after the last message for it to finish spreading. */
  drainMs: number
}

export const DEFAULT_WEB3_SCENARIO: Web3ScenarioOptions = {
  protocol: 'plumtree',
  nodes: 10_000,
  outbound: 8,
  // 50: at 10,000 nodes the five runs take ~10 min of CPU (616 s, GossipSub 321 s of it); 100 would take twice that.
  messages: 50,
  warmup: 5,
  intervalMs: 1000,
  payloadBytes: 1024,
  seed: 1,
  latencyMinMs: 10,
  latencyMaxMs: 50,
  drainMs: 30_000
}

export interface Web3ScenarioResult {
  protocol: Web3Protocol
  nodes: number
  links: number
  messages: number
  /** Deliveries over messages × nodes, for the measured messages (1 = everything everywhere). */
  delivered: number
  /** Mean over the measured messages of the time until that share of nodes had it (ms); null when some never reached it. */
  latency50Ms: number
  latency90Ms: number
  latency100Ms: number | null
  /** The largest hop count any node got a measured message at, averaged over them (null: not tracked, GossipSub). */
  lastHop: number | null
  /** Bytes sent per node per measured message, all messages of the protocol included. */
  bytesPerNodePerMessage: number
  /** Of those, the share of bytes in payload-carrying messages. */
  payloadShare: number
  /** Payload copies received beyond the first, per delivery from a peer. */
  duplicatesPerDelivery: number
  /** Payload copies sent per node per message (1 would be a perfect tree). */
  payloadSendsPerNode: number
  /** CDF over all measured deliveries of the delay from sending, [ms, fraction]. */
  latencyCdf: Array<[number, number]>
  events: number
  virtualMs: number
}

interface Track { sentAt: number, times: number[], copies: number, lastHop: number }

type Core = Plumtree | Flood | GossipSub | BitcoinRelay | Devp2pRelay

export function runWeb3Scenario (partial: Partial<Web3ScenarioOptions>): Web3ScenarioResult {
  const o: Web3ScenarioOptions = { ...DEFAULT_WEB3_SCENARIO, ...partial }
  if (o.payloadBytes < 4) throw new RangeError('payloadBytes must be at least 4 (the message number is written in them)')
  const sim = new Simulator({ seed: o.seed, latency: new UniformLinkLatency(o.latencyMinMs, o.latencyMaxMs, 0, o.seed), codec: false })
  const total = o.warmup + o.messages
  const tracks: Track[] = Array.from({ length: total }, () => ({ sentAt: -1, times: [], copies: 0, lastHop: 0 }))
  const indexOf = (payload: Uint8Array): number => new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0)
  const delivered = (payload: Uint8Array, hop: number, fromPeer: boolean): void => {
    const t = tracks[indexOf(payload)]
    if (t === undefined || t.sentAt < 0) return
    t.times.push(sim.now - t.sentAt)
    if (fromPeer && hop > t.lastHop) t.lastHop = hop
  }
  const proto = o.protocol
  const ids = Array.from({ length: o.nodes }, (_, i) => `n${i}`)
  for (const id of ids) {
    sim.addNode(id, ctx => {
      switch (proto) {
        case 'plumtree':
          return [new Plumtree(ctx.env('relay', { event: (d: BroadcastDelivery) => delivered(d.payload, d.round, d.from !== null) }), null, { signaturePolicy: 'StrictNoSign' })]
        case 'flood':
          return [new Flood(ctx.env('relay', { event: (d: BroadcastDelivery) => delivered(d.payload, d.round, d.from !== null) }))]
        case 'gossipsub':
          return [new GossipSub(ctx.env('relay', { event: (e: GossipSubEvent) => { if (e.type === 'message') delivered(e.data, 0, e.from !== null) } }), null, { signaturePolicy: 'StrictNoSign' })]
        case 'bitcoin':
          return [new BitcoinRelay(ctx.env('relay', { event: (d: BitcoinDelivery) => delivered(d.payload, d.hop, d.from !== null) }))]
        case 'devp2p':
          return [new Devp2pRelay(ctx.env('relay', { event: (d: Devp2pDelivery) => delivered(d.payload, d.hop, d.from !== null) }))]
      }
    })
  }
  const core = (i: number): Core => sim.core<Core>(ids[i]!, 'relay')

  // The overlay: the same for every protocol (its own random stream).
  const orng = new Rng(o.seed).fork('web3-overlay')
  const linked = new Set<number>()
  let links = 0
  for (let a = 0; a < o.nodes; a++) {
    for (let k = 0; k < o.outbound; k++) {
      const b = orng.int(o.nodes)
      const key = a < b ? a * o.nodes + b : b * o.nodes + a
      if (a === b || linked.has(key)) continue
      linked.add(key)
      links++
      sim.link(ids[a]!, ids[b]!)
      const x = core(a)
      const y = core(b)
      if (x instanceof Plumtree || x instanceof Flood) {
        x.neighborUp(sim.now, ids[b]!)
        ;(y as Plumtree | Flood).neighborUp(sim.now, ids[a]!)
      }
    }
  }
  const srng = new Rng(o.seed).fork('web3-sources')
  const sources = Array.from({ length: total }, () => srng.int(o.nodes))

  if (proto === 'gossipsub') {
    // Nodes join the topic at random moments of the first second, then the meshes settle.
    const jrng = new Rng(o.seed).fork('web3-joins')
    const joins = ids.map((_, i) => ({ i, at: jrng.float() * 1000 })).sort((a, b) => a.at - b.at)
    for (const j of joins) {
      sim.run(j.at)
      ;(core(j.i) as GossipSub).subscribe(sim.now, 'web3')
    }
    sim.run(5_000)
  }

  // Accounting of sends: every byte after the first measured message; payload copies of measured ones.
  let measuring = false
  let bytes = 0
  let payloadBytes = 0
  const copy = (payload: Uint8Array): boolean => {
    const t = tracks[indexOf(payload)]
    if (t === undefined) return false
    t.copies++
    return true
  }
  sim.onSend((_from, _to, _core, m, size) => {
    if (!measuring) return
    bytes += size
    let carried = false
    switch (proto) {
      case 'plumtree':
      case 'flood': { const b = m as BroadcastMessage; if (b.kind === 'gossip') carried = copy(b.payload); break }
      case 'gossipsub': for (const x of (m as RPC).messages) if (x.data !== undefined && copy(x.data)) carried = true; break
      case 'bitcoin': { const b = m as BitcoinMessage; if (b.kind === 'tx') carried = copy(b.payload); break }
      case 'devp2p': { const d = m as Devp2pMessage; if (d.kind === 'transactions' || d.kind === 'pooled') for (const tx of d.txs) if (copy(tx.payload)) carried = true }
    }
    if (carried) payloadBytes += size
  })

  const start = sim.now
  for (let k = 0; k < total; k++) {
    sim.run(start + k * o.intervalMs)
    if (k === o.warmup) measuring = true
    const payload = new Uint8Array(o.payloadBytes)
    new DataView(payload.buffer).setUint32(0, k)
    const c = core(sources[k]!)
    tracks[k]!.sentAt = sim.now
    if (c instanceof GossipSub) c.publish(sim.now, 'web3', payload)
    else c.broadcast(sim.now, payload)
  }
  sim.run(sim.now + o.drainMs)

  const measured = tracks.slice(o.warmup)
  const at = (t: Track, share: number): number | null => {
    const need = Math.ceil(share * o.nodes)
    return t.times.length < need ? null : t.times[need - 1]!
  }
  for (const t of measured) t.times.sort((a, b) => a - b)
  const mean = (f: (t: Track) => number | null): number | null => {
    let s = 0
    for (const t of measured) {
      const v = f(t)
      if (v === null) return null
      s += v
    }
    return measured.length === 0 ? 0 : s / measured.length
  }
  let deliveries = 0
  let copies = 0
  for (const t of measured) {
    deliveries += t.times.length
    copies += t.copies
  }
  const fromPeers = deliveries - measured.length // the sources delivered to themselves
  const all = measured.flatMap(t => t.times).sort((a, b) => a - b)
  return {
    protocol: proto,
    nodes: o.nodes,
    links,
    messages: measured.length,
    delivered: measured.length === 0 ? 1 : deliveries / (measured.length * o.nodes),
    latency50Ms: mean(t => at(t, 0.5)) ?? Infinity,
    latency90Ms: mean(t => at(t, 0.9)) ?? Infinity,
    latency100Ms: mean(t => at(t, 1)),
    lastHop: proto === 'gossipsub' ? null : mean(t => t.lastHop),
    bytesPerNodePerMessage: measured.length === 0 ? 0 : bytes / o.nodes / measured.length,
    payloadShare: bytes === 0 ? 0 : payloadBytes / bytes,
    duplicatesPerDelivery: fromPeers <= 0 ? 0 : (copies - fromPeers) / fromPeers,
    payloadSendsPerNode: measured.length === 0 ? 0 : copies / o.nodes / measured.length,
    latencyCdf: cdf(all),
    events: sim.events,
    virtualMs: sim.now
  }
}
