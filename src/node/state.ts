/**
 * The application's view of the replicated state: each node writes the keys of its own origin and reads
 * everyone's. A facade of the composition layer over the anti-entropy core (src/state): writes resolve once
 * they are durable (the node's runtime says when: after its data directory wrote them, or at once), and the
 * keys grapevine keeps for itself (topic discovery's) are invisible through every path — reads, listings,
 * counts and change events — and refused for writes.
 */
import { UsageError } from '../core/errors.js'
import type { NodeId } from '../core/protocol.js'
import { HEARTBEAT_KEY, type AntiEntropy, type StateChange } from '../state/antientropy.js'
import { TOPIC_KEY_PREFIX } from './discovery.js'

/** grapevine's own namespace in every origin (the node's summary for the cluster console, ./summary.ts): refused for application writes. */
export const GRAPEVINE_PREFIX = '_grapevine/'

/** Key prefixes grapevine keeps in the replicated state for itself. */
export const RESERVED_PREFIXES: readonly string[] = [GRAPEVINE_PREFIX, TOPIC_KEY_PREFIX, HEARTBEAT_KEY]

export function isReserved (key: string): boolean {
  return RESERVED_PREFIXES.some(p => key.startsWith(p))
}

export interface StateEntry {
  origin: NodeId
  key: string
  value: Uint8Array
  version: number
}

export class NodeState {
  constructor (
    private readonly core: AntiEntropy,
    private readonly self: NodeId,
    private readonly now: () => number,
    /** Resolves once every change so far is durable. */
    private readonly durable: () => Promise<void>,
    /** True once the node is stopping: writes are refused. */
    private readonly stopped: () => boolean = () => false
  ) {}

  /** Writes `key` of this node's origin; resolves once the write is durable. */
  async set (key: string, value: Uint8Array | string): Promise<StateEntry> {
    this.checkWritable(key)
    const v = typeof value === 'string' ? new TextEncoder().encode(value) : value
    const e = this.core.set(this.now(), key, v)
    await this.durable()
    return { origin: this.self, key, value: e.value, version: e.version }
  }

  /** Deletes `key` of this node's origin (a versioned tombstone). False if it was not set. */
  async delete (key: string): Promise<boolean> {
    this.checkWritable(key)
    const e = this.core.delete(this.now(), key)
    await this.durable()
    return e !== undefined
  }

  /** The value of `key` written by `origin` (default: this node). */
  get (key: string, origin: NodeId = this.self): Uint8Array | undefined {
    return this.entry(key, origin)?.value
  }

  /** The live entry of `key` written by `origin` (default: this node), with its version. */
  entry (key: string, origin: NodeId = this.self): StateEntry | undefined {
    if (isReserved(key)) return undefined
    const e = this.core.entry(key, origin)
    return e === undefined || e.deleted ? undefined : { origin, key, value: e.value, version: e.version }
  }

  /**
   * Every live entry, optionally of one origin or under a key prefix. grapevine's own keys (RESERVED_PREFIXES)
   * are left out unless `reserved` is true (they are read-only, shown for inspection).
   */
  entries (filter: { origin?: string, prefix?: string, reserved?: boolean } = {}): StateEntry[] {
    const out: StateEntry[] = []
    for (const e of this.core.entries()) {
      if (filter.reserved !== true && isReserved(e.key)) continue
      if (filter.origin !== undefined && e.origin !== filter.origin) continue
      if (filter.prefix !== undefined && !e.key.startsWith(filter.prefix)) continue
      out.push(e)
    }
    return out
  }

  /** How many live entries (of the application's keys) and origins this node holds. */
  size (): { entries: number, origins: number } {
    let entries = 0
    for (const e of this.core.entries()) if (!isReserved(e.key)) entries++
    return { entries, origins: this.core.originCount }
  }

  /** Whether a change is one the application should see. */
  static visible (change: StateChange): boolean {
    // A tombstone leaving the store (collected, or its origin forgotten) changes nothing an application sees.
    return !isReserved(change.key) && !(change.gone && change.entry.deleted)
  }

  private checkWritable (key: string): void {
    if (this.stopped()) throw new UsageError('ERR_STOPPED', 'the node is stopped; this write was not made (write before stop(), or to a running node)')
    if (typeof key === 'string' && isReserved(key)) {
      throw new UsageError('ERR_RESERVED_KEY', `the prefix of ${JSON.stringify(key)} is reserved: keys under ${RESERVED_PREFIXES.join(', ')} are grapevine's own (node summaries, topic discovery, liveness); choose another key`)
    }
  }
}
