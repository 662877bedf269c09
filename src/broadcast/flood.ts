/**
 * Flood gossip over the active view: the baseline Plumtree is measured against (Leitão et al., SRDS 2007,
 * §2: "eager push gossip" with fanout = the whole active view). The source sends a new message to every
 * neighbour; each node forwards its first copy to every neighbour except the one it came from and drops
 * later copies. Reliable on a connected overlay, at the cost of ~(degree − 1) copies per node.
 * A sans-IO wire protocol (src/core/protocol.ts): neighbours come from membership through `NeighborListener`.
 * Unauthenticated (no source, no signature): a measuring baseline for the simulator, not part of a node.
 */
import { UsageError, type PeerError } from '../core/errors.js'
import type { NeighborListener } from '../core/neighbors.js'
import type { Env, NodeId, WireProtocol, WireSpec } from '../core/protocol.js'
import { BroadcastCodec, DEFAULT_BROADCAST_LIMITS, type BroadcastCodecLimits } from './codec.js'
import type { BroadcastDelivery, BroadcastMessage } from './messages.js'
import { SeenCache } from '../core/seen.js'

export interface FloodConfig {
  /** How long a message id is remembered (copies arriving later are delivered again). */
  seenTtlMs: number
  /** Most ids remembered. */
  seenMax: number
  maxFrameBytes: number
  codec: BroadcastCodecLimits
}

export const DEFAULT_FLOOD: FloodConfig = {
  seenTtlMs: 120_000,
  seenMax: 100_000,
  maxFrameBytes: DEFAULT_BROADCAST_LIMITS.maxPayloadBytes + 1024,
  codec: DEFAULT_BROADCAST_LIMITS
}

export interface FloodStats {
  broadcasts: number
  delivered: number
  duplicates: number
  payloadsSent: number
  malformed: number
}

export class Flood implements WireProtocol<BroadcastMessage, never>, NeighborListener {
  readonly name: string
  readonly wire: WireSpec<BroadcastMessage>
  readonly config: FloodConfig
  readonly stats: FloodStats = { broadcasts: 0, delivered: 0, duplicates: 0, payloadsSent: 0, malformed: 0 }
  private readonly peers = new Set<NodeId>()
  private readonly seen: SeenCache
  private seq = 0

  constructor (protected readonly env: Env<BroadcastMessage, never, BroadcastDelivery>, config: Partial<FloodConfig> = {}, protocolId = '/grapevine/flood/1.0.0') {
    this.name = env.name
    this.config = { ...DEFAULT_FLOOD, ...config }
    this.wire = { protocolIds: [protocolId], codec: new BroadcastCodec(this.config.codec), maxFrameBytes: this.config.maxFrameBytes }
    this.seen = new SeenCache(this.config.seenTtlMs, this.config.seenMax)
  }

  /** Broadcasts `payload` to every node; returns the message id. */
  broadcast (now: number, payload: Uint8Array): string {
    if (payload.length > this.config.codec.maxPayloadBytes) {
      throw new UsageError('ERR_PAYLOAD_TOO_LARGE', `payload of ${payload.length} bytes exceeds maxPayloadBytes (${this.config.codec.maxPayloadBytes})`)
    }
    const id = `${this.env.id}/${this.seq++}`
    this.stats.broadcasts++
    this.seen.add(now, id, true)
    this.env.io.emit({ type: 'deliver', id, payload, round: 0, from: null, source: null })
    this.forward(null, { kind: 'gossip', id, round: 1, payload })
    return id
  }

  neighborUp (_now: number, peer: NodeId): void {
    this.peers.add(peer)
  }

  neighborDown (_now: number, peer: NodeId): void {
    this.peers.delete(peer)
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

  /** Where a copy may go: every neighbour (`forward` skips `except`, the peer it came from). */
  protected targets (_except: NodeId | null): Iterable<NodeId> {
    return this.peers
  }

  private forward (except: NodeId | null, msg: BroadcastMessage): void {
    for (const p of this.targets(except)) {
      if (p === except) continue
      this.stats.payloadsSent++
      this.env.io.send(p, msg)
    }
  }
}
