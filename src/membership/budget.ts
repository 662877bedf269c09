/**
 * Dial budgets: how often a node may dial peers it only knows because someone else named them (passive
 * peers learned by a shuffle, the newcomer at the end of a FORWARDJOIN walk, the origin of a shuffle it
 * answers). Two token buckets must both agree to a dial: one for the node as a whole, and one per
 * *source* — the authenticated neighbour that told us about the peer — so one lying neighbour can spend
 * only its own share, and a flood of names costs at most the node's burst, then a steady trickle.
 *
 * Sans-IO: buckets refill lazily from the `now` they are given. The per-source table is bounded; a source
 * forgotten for room comes back with a full bucket, which the node-wide bucket still caps.
 */
import { FifoMap } from '../core/fifo.js'
import type { NodeId } from '../core/protocol.js'

/** `capacity` tokens at most; one more every `intervalMs`. Starts full. */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor (readonly capacity: number, readonly intervalMs: number, now: number) {
    this.tokens = capacity
    this.last = now
  }

  available (now: number): number {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) / this.intervalMs)
      this.last = now
    }
    return this.tokens
  }

  /** Takes one token if there is a whole one. */
  take (now: number): boolean {
    if (this.available(now) < 1) return false
    this.tokens -= 1
    return true
  }
}

export interface DialBudgetConfig {
  /** Dials the node may make at once to peers named by others. */
  burst: number
  /** One more such dial every this many ms. */
  intervalMs: number
  /** Dials one source's names may cause at once. */
  sourceBurst: number
  /** One more dial per source every this many ms. */
  sourceIntervalMs: number
  /** Sources whose buckets are remembered (the oldest is forgotten first). */
  maxSources: number
}

export class DialBudget {
  private global: TokenBucket | undefined
  private readonly perSource: FifoMap<NodeId, TokenBucket>

  constructor (readonly config: DialBudgetConfig) {
    this.perSource = new FifoMap(config.maxSources)
  }

  /**
   * Whether one more dial fits, charged to the node and to one of `sources` (the one with the most tokens);
   * takes the tokens when it does. With no sources (a peer we learned ourselves) only the node pays.
   */
  take (now: number, sources: readonly NodeId[]): boolean {
    const global = this.global ??= new TokenBucket(this.config.burst, this.config.intervalMs, now)
    if (global.available(now) < 1) return false
    if (sources.length > 0) {
      let best = sources[0]!
      let most = -1
      for (const s of sources) {
        const t = this.sourceTokens(now, s)
        if (t > most) {
          best = s
          most = t
        }
      }
      if (most < 1) return false
      // A source is remembered only once it spends a token (a full bucket is the same as none).
      let b = this.perSource.get(best)
      if (b === undefined) this.perSource.set(best, b = new TokenBucket(this.config.sourceBurst, this.config.sourceIntervalMs, now))
      b.take(now)
    }
    return global.take(now)
  }

  /** Tokens `source` has left. */
  sourceTokens (now: number, source: NodeId): number {
    return this.perSource.get(source)?.available(now) ?? this.config.sourceBurst
  }
}
