/**
 * The simulator's settings (network model, bandwidth, crashes, bans) and its per-protocol traffic counters.
 */
import type { LatencyModel } from './network.js'

export interface SimOptions {
  seed: number
  /** Default: each link fixed, uniform in 10–50 ms. */
  latency?: LatencyModel
  /** Probability that any one message is lost. */
  loss?: number
  /**
   * Encode and decode every message (default true). Off only for raw speed: messages are handed over as
   * objects, and bytes are counted with the codec's `size` where it has one (0 otherwise).
   */
  codec?: boolean
  /**
   * How a crash looks: 'reset' (a crashed process — connected peers are told after one link delay and new
   * connection attempts are refused after a round trip) or 'silent' (a host gone dark — nobody is told,
   * and connection attempts time out after `connectTimeoutMs`).
   */
  crashNotice?: 'reset' | 'silent'
  /** How long a connection attempt to an unreachable peer takes to fail. */
  connectTimeoutMs?: number
  /**
   * Each node's upload bandwidth in bytes per ms (undefined: unlimited). Messages leave a node one after
   * another, each taking size / bandwidth, so large messages queue behind each other as on a real link.
   */
  uploadBytesPerMs?: number
  /**
   * With a bandwidth limit: a message that would wait longer than this for the uplink is dropped and
   * counted (`Traffic.queueDrops`), as a real node's bounded send queue does. Default 5 s.
   */
  maxUplinkQueueMs?: number
  /** How long a banned peer is refused (default 60 s, as on the network). */
  banMs?: number
  /** The address (IP) a node's peers see for it; default a distinct 10.x.y.z per node. */
  addressOf?: (index: number) => string
}

export interface Traffic {
  sent: number
  bytes: number
  delivered: number
  lost: number
  partitioned: number
  toDead: number
  oversize: number
  malformed: number
  /** Dropped because the sender's uplink queue was full. */
  queueDrops: number
  /** Dropped because the receiver had banned the sender. */
  banned: number
}
