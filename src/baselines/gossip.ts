/**
 * Gossip over a partial view: the broadcast the HyParView paper runs on Cyclon and Scamp to measure their
 * reliability (Leitão et al., DSN 2007 §5; HyParView itself floods its active view, ../broadcast/flood.ts).
 * The source, and every node on its first copy of a message, sends it to `fanout` peers drawn at random
 * from its membership's partial view (never back to the peer it came from); later copies are dropped.
 * Peers are not connected first: a copy sent to a crashed peer is lost, and nobody is told. A sans-IO wire
 * protocol (src/core/protocol.ts) with the broadcast codec; a measuring baseline for the simulator.
 */
import type { Env, NodeId } from '../core/protocol.js'
import { Flood } from '../broadcast/flood.js'
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

/**
 * Flood's rules (first copy forwarded, later ones dropped, never back to the sender) with its targets drawn
 * from the partial view instead of the active links.
 */
export class Gossip extends Flood {
  readonly fanout: number

  constructor (env: Env<BroadcastMessage, never, BroadcastDelivery>, private readonly view: PartialView, config: Partial<GossipConfig> = {}) {
    const c = { ...DEFAULT_GOSSIP, ...config }
    super(env, { seenTtlMs: c.seenTtlMs, seenMax: c.seenMax }, '/grapevine-sim/gossip/1.0.0')
    this.fanout = c.fanout
  }

  protected override targets (except: NodeId | null): NodeId[] {
    const peers = this.view.partialView().filter(p => p !== except)
    return this.fanout >= peers.length ? peers : this.env.rng.sample(peers, this.fanout)
  }
}
