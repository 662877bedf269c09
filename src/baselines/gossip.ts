/**
 * Gossip over a partial view: the broadcast the HyParView paper runs on Cyclon and Scamp to measure their
 * reliability (Leitão et al., DSN 2007 §5; HyParView itself floods its active view, ../broadcast/flood.ts).
 * The source, and every node on its first copy of a message, sends it to `fanout` peers drawn at random
 * from its membership's partial view (never back to the peer it came from); later copies are dropped.
 * Peers are not connected first: a copy sent to a crashed peer is lost, and nobody is told. A sans-IO wire
 * protocol (src/core/protocol.ts) with the broadcast codec; a measuring baseline for the simulator.
 */
import type { PeerError } from '../core/errors.js'
import type { Env, NodeId, WireProtocol, WireSpec } from '../core/protocol.js'
import { SeenCache } from '../core/seen.js'
import { BroadcastCodec, DEFAULT_BROADCAST_LIMITS } from '../broadcast/codec.js'
import type { BroadcastDelivery, BroadcastMessage } from '../broadcast/messages.js'

/** What a membership baseline offers the gossip layer: its current partial view. */
export interface PartialView {
  partialView (): NodeId[]
}

export interface GossipConfig {
  /** Peers each copy is sent to (Infinity: the whole partial view). */
  fanout: number
  seenTtlMs: number
  seenMax: number
}

/** Fanout 4: the HyParView paper's setting for every protocol (its active view is fanout + 1). */
export const DEFAULT_GOSSIP: GossipConfig = { fanout: 4, seenTtlMs: 120_000, seenMax: 100_000 }

export interface GossipStats {
  broadcasts: number
  delivered: number
  duplicates: number
  payloadsSent: number
  malformed: number
}

export class Gossip implements WireProtocol<BroadcastMessage, never> {
  readonly name: string
  readonly wire: WireSpec<BroadcastMessage>
  readonly config: GossipConfig
  readonly stats: GossipStats = { broadcasts: 0, delivered: 0, duplicates: 0, payloadsSent: 0, malformed: 0 }
  private readonly seen: SeenCache
  private seq = 0

  constructor (private readonly env: Env<BroadcastMessage, never, BroadcastDelivery>, private readonly view: PartialView, config: Partial<GossipConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_GOSSIP, ...config }
    this.wire = { protocolIds: ['/grapevine-sim/gossip/1.0.0'], codec: new BroadcastCodec(DEFAULT_BROADCAST_LIMITS), maxFrameBytes: DEFAULT_BROADCAST_LIMITS.maxPayloadBytes + 1024 }
    this.seen = new SeenCache(this.config.seenTtlMs, this.config.seenMax)
  }

  /** Broadcasts `payload`; returns the message id. */
  broadcast (now: number, payload: Uint8Array): string {
    const id = `${this.env.id}/${this.seq++}`
    this.stats.broadcasts++
    this.seen.add(now, id, true)
    this.env.io.emit({ type: 'deliver', id, payload, round: 0, from: null, source: null })
    this.forward(null, { kind: 'gossip', id, round: 1, payload })
    return id
  }

  start (): void {}
  onTimer (): void {}
  onPeerUp (): void {}
  onPeerDown (): void {}

  onMessage (now: number, from: NodeId, msg: BroadcastMessage): void {
    if (msg.kind !== 'gossip') return
    if (!this.seen.add(now, msg.id, true)) {
      this.stats.duplicates++
      return
    }
    this.stats.delivered++
    this.env.io.emit({ type: 'deliver', id: msg.id, payload: msg.payload, round: msg.round, from, source: null })
    this.forward(from, { kind: 'gossip', id: msg.id, round: msg.round + 1, payload: msg.payload })
  }

  onMalformed (_now: number, _from: NodeId, _error: PeerError): void {
    this.stats.malformed++
  }

  private forward (except: NodeId | null, msg: BroadcastMessage): void {
    const peers = this.view.partialView().filter(p => p !== except)
    const targets = this.config.fanout >= peers.length ? peers : this.env.rng.sample(peers, this.config.fanout)
    for (const p of targets) {
      this.stats.payloadsSent++
      this.env.io.send(p, msg)
    }
  }
}
