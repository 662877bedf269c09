/**
 * The simulator's network model: per-link latency, message loss and partitions.
 *
 * Latency is fixed per link (unordered node pair), drawn uniformly from [minMs, maxMs] by hashing the pair
 * with the seed, so links keep FIFO order and no per-link table is stored (10⁶ nodes cost nothing).
 * Optional per-message jitter breaks FIFO on purpose.
 */
import { hashString, mix32 } from '../core/rng.js'

export interface LatencyModel {
  /** One-way delay in ms for a message from node index `a` to node index `b`. `u` is a fresh uniform [0,1). */
  delay (a: number, b: number, u: number): number
}

/** Each link's latency fixed, uniform in [minMs, maxMs]; plus up to `jitterMs` per message. */
export class UniformLinkLatency implements LatencyModel {
  private readonly salt: number

  constructor (readonly minMs = 10, readonly maxMs = 50, readonly jitterMs = 0, seed = 0) {
    this.salt = mix32(seed ^ hashString('latency'))
  }

  delay (a: number, b: number, u: number): number {
    const lo = a < b ? a : b
    const hi = a < b ? b : a
    const h = mix32(mix32(lo ^ this.salt) ^ Math.imul(hi, 0x9e3779b1))
    return this.minMs + (this.maxMs - this.minMs) * (h / 0x100000000) + this.jitterMs * u
  }
}

/** The same latency on every link. */
export class ConstantLatency implements LatencyModel {
  constructor (readonly ms: number) {}
  delay (): number {
    return this.ms
  }
}
