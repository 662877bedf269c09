/**
 * The replicated map: for each origin (the node that owns and writes a set of keys) its entries
 * `key → (value, version)`, how far this node has seen it (`known`), its generation and the newest
 * tombstone version collected (`gcVersion`). Scuttlebutt (van Renesse et al., 2008) reconciliation lives
 * here: digests, deltas above a digest in version order (so a receiver never has gaps), and applying them.
 *
 * Rules for applying an origin delta at a receiver:
 *   - a delta about ourselves, or from an older generation, is ignored (we are the authority);
 *   - a newer generation replaces the origin's record;
 *   - a delta from version 0 whose sender has collected tombstones we have not seen (gcVersion > known)
 *     replaces the origin's record, so keys deleted while we were away cannot come back;
 *   - otherwise each entry is kept if newer than ours for its key, and `known` advances to toVersion
 *     when the delta starts at or below it (no gap).
 */
import type { NodeId } from '../core/protocol.js'
import { deltaHeaderSize, digestEntrySize, entrySize } from './codec.js'
import { inRange, type Digest, type DigestEntry, type Entry, type OriginDelta } from './messages.js'

/** How far a node holds an origin: its generation, the version it has everything up to, the newest collected tombstone. */
export interface OriginMeta {
  generation: number
  known: number
  gcVersion: number
}

export class OriginRecord {
  generation: number
  /** Every update of this origin up to `known` (in `generation`) is reflected here. */
  known = 0
  /** The newest tombstone version collected for this origin. */
  gcVersion = 0
  readonly entries = new Map<string, Entry>()
  /** Entries in version order; superseded ones stay until compaction (`live` tells them apart). */
  private log: Entry[] = []
  private superseded = 0

  constructor (generation: number) {
    this.generation = generation
  }

  isLive (e: Entry): boolean {
    return this.entries.get(e.key) === e
  }

  /** Stores `e` if it is newer than what we hold for its key; returns the entry it replaced, or null. */
  put (e: Entry): Entry | undefined | null {
    const prev = this.entries.get(e.key)
    if (prev !== undefined && prev.version >= e.version) return null
    this.entries.set(e.key, e)
    const log = this.log
    if (log.length === 0 || log[log.length - 1]!.version < e.version) {
      log.push(e)
    } else {
      log.splice(this.firstAbove(e.version), 0, e)
    }
    if (prev !== undefined) this.supersede()
    return prev
  }

  /** Forgets a collected tombstone. */
  remove (key: string, version: number): boolean {
    const e = this.entries.get(key)
    if (e === undefined || e.version !== version || !e.deleted) return false
    this.entries.delete(key)
    this.supersede()
    if (version > this.gcVersion) this.gcVersion = version
    return true
  }

  /** Replaces everything: a new generation, or a reset past collected tombstones. */
  reset (generation: number, known: number, gcVersion: number, entries: readonly Entry[]): void {
    this.generation = generation
    this.known = known
    this.gcVersion = gcVersion
    this.entries.clear()
    this.log = []
    this.superseded = 0
    for (const e of entries) this.put(e)
  }

  /** How many log slots lie above `base` (an upper bound on the entries a delta from `base` holds). */
  countAbove (base: number): number {
    return this.log.length - this.firstAbove(base)
  }

  /**
   * Live entries with base < version <= known, in version order, while `budget` bytes last. Returns the
   * entries and the version a receiver reaches by applying them. (Entries above `known`, which arrived
   * ahead of a gap, are not passed on: they are not part of a gap-free prefix yet.)
   */
  suffix (base: number, budget: number): { entries: Entry[], toVersion: number, bytes: number } {
    const out: Entry[] = []
    let bytes = 0
    const log = this.log
    for (let i = this.firstAbove(base); i < log.length; i++) {
      const e = log[i]!
      if (e.version > this.known) break
      if (!this.isLive(e)) continue
      const size = entrySize(e)
      if (bytes + size > budget) return { entries: out, toVersion: out.length > 0 ? out[out.length - 1]!.version : base, bytes }
      out.push(e)
      bytes += size
    }
    return { entries: out, toVersion: this.known, bytes }
  }

  /** Index of the first log entry with version > v. */
  private firstAbove (v: number): number {
    let lo = 0
    let hi = this.log.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.log[mid]!.version <= v) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private supersede (): void {
    this.superseded++
    if (this.superseded > 32 && this.superseded > this.entries.size) {
      this.log = this.log.filter(e => this.isLive(e))
      this.superseded = 0
    }
  }
}

/** What applying a delta did, for events and counters. */
export interface ApplyResult {
  applied: Entry[]
  /** Entries not newer than ours (or about ourselves, or from an old generation). */
  stale: number
  /** Entries dropped because the store is full (`StoreLimits`). */
  refused: number
  /** The origin's record was replaced (new generation, or collected tombstones we had not seen). */
  reset: boolean
}

export interface StoreLimits {
  /** Most origins held. */
  maxOrigins: number
  /** Most entries held, summed over origins (tombstones included). */
  maxEntries: number
}

export class Store {
  readonly origins = new Map<NodeId, OriginRecord>()
  /** Origin ids in string order, for paged digests. */
  private sorted: NodeId[] = []
  private entryCount = 0

  constructor (readonly self: NodeId, selfGeneration: number, readonly limits: StoreLimits) {
    this.addOrigin(self, selfGeneration)
  }

  get own (): OriginRecord {
    return this.origins.get(this.self)!
  }

  get size (): number {
    return this.entryCount
  }

  get originIds (): readonly NodeId[] {
    return this.sorted
  }

  /**
   * Installs what is known of `origin` wholesale (a snapshot loaded from disk, or a simulator's initial
   * state). Entry objects are kept as given, so replicas may share them.
   */
  restore (origin: NodeId, generation: number, known: number, gcVersion: number, entries: readonly Entry[]): void {
    const rec = this.origins.get(origin) ?? this.addOrigin(origin, generation)
    this.entryCount -= rec.entries.size
    rec.reset(generation, known, gcVersion, [...entries].sort((a, b) => a.version - b.version))
    this.entryCount += rec.entries.size
  }

  /** A local write: the next version of our own origin. */
  writeOwn (key: string, value: Uint8Array, deleted: boolean): Entry {
    const own = this.own
    const e: Entry = { key, value, version: own.known + 1, deleted }
    this.putCounted(own, e)
    own.known = e.version
    return e
  }

  /** Drops a collected tombstone; true if it was still the current entry for its key. */
  collect (origin: NodeId, key: string, version: number): boolean {
    const rec = this.origins.get(origin)
    if (rec === undefined || !rec.remove(key, version)) return false
    this.entryCount--
    return true
  }

  /** Applies one origin delta received from a peer (rules in the header comment). */
  apply (d: OriginDelta): ApplyResult {
    const result: ApplyResult = { applied: [], stale: 0, refused: 0, reset: false }
    let rec = this.origins.get(d.origin)
    if (d.origin === this.self || (rec !== undefined && d.generation < rec.generation)) {
      result.stale = d.entries.length
      return result
    }
    if (rec === undefined) {
      if (this.origins.size >= this.limits.maxOrigins) {
        result.refused = d.entries.length
        return result
      }
      rec = this.addOrigin(d.origin, d.generation)
    }
    if (d.generation > rec.generation || (d.fromVersion === 0 && d.gcVersion > rec.known)) {
      this.entryCount -= rec.entries.size
      rec.reset(d.generation, 0, d.gcVersion, [])
      result.reset = true
    }
    let firstRefused = Infinity
    for (const e of d.entries) {
      if (this.entryCount >= this.limits.maxEntries && !rec.entries.has(e.key)) {
        result.refused++
        if (e.version < firstRefused) firstRefused = e.version
      } else if (this.putCounted(rec, e)) {
        result.applied.push(e)
      } else {
        result.stale++
      }
    }
    if (d.fromVersion <= rec.known) {
      // No gap: everything up to toVersion is now reflected, except past an entry a bound refused.
      const reached = Math.min(d.toVersion, firstRefused - 1)
      if (reached > rec.known) rec.known = reached
    }
    return result
  }

  /** The digest entry describing what we hold of `origin`. */
  digestOf (origin: NodeId): DigestEntry | undefined {
    const rec = this.origins.get(origin)
    return rec === undefined ? undefined : { origin, generation: rec.generation, version: rec.known }
  }

  /**
   * A digest of the origins in [start, end) (`end === ''`: to the last), stopping early when `budget` bytes
   * run out, in which case the digest's own end is the first origin it leaves out. A digest therefore says
   * exactly which origins it covers, and a peer knows which ones it does not.
   */
  digestRange (start: string, end: string, budget: number): Digest {
    const ids = this.sorted
    const entries: DigestEntry[] = []
    let bytes = 0
    for (let i = lowerBound(ids, start); i < ids.length && (end === '' || ids[i]! < end); i++) {
      const rec = this.origins.get(ids[i]!)!
      const size = digestEntrySize(ids[i]!, rec.generation, rec.known)
      if (bytes + size > budget && entries.length > 0) return { start, end: ids[i]!, entries }
      entries.push({ origin: ids[i]!, generation: rec.generation, version: rec.known })
      bytes += size
    }
    return { start, end, entries }
  }

  /** The next digest page from `cursor`; the following page starts at the returned digest's end. */
  digestPage (cursor: string, budget: number): Digest {
    const ids = this.sorted
    const start = ids.length === 0 || cursor > ids[ids.length - 1]! ? '' : cursor
    return this.digestRange(start, '', budget)
  }

  /**
   * Deltas for a peer whose digest is `digest` (only origins in its range), scuttle-depth order (origins
   * with the most to send first), while `budget` bytes last.
   */
  deltasFor (digest: Digest, budget: number): OriginDelta[] {
    const theirs = new Map<NodeId, DigestEntry>()
    for (const e of digest.entries) theirs.set(e.origin, e)
    const wanted: Array<{ rec: OriginRecord, origin: NodeId, base: number, depth: number }> = []
    const ids = this.sorted
    for (let i = lowerBound(ids, digest.start); i < ids.length && inRange(ids[i]!, digest.start, digest.end); i++) {
      const origin = ids[i]!
      const rec = this.origins.get(origin)!
      const base = baseFor(rec, theirs.get(origin))
      if (base === undefined) continue
      wanted.push({ rec, origin, base, depth: rec.countAbove(base) })
    }
    wanted.sort((a, b) => b.depth - a.depth || (a.origin < b.origin ? -1 : 1))
    return this.fill(wanted, budget)
  }

  /** Deltas of every origin from version `baseOf(origin)`, largest first, while `budget` lasts. */
  deltasFrom (bases: ReadonlyMap<NodeId, number>, budget: number): OriginDelta[] {
    const wanted: Array<{ rec: OriginRecord, origin: NodeId, base: number, depth: number }> = []
    for (const [origin, base] of bases) {
      const rec = this.origins.get(origin)
      if (rec === undefined || base >= rec.known) continue
      wanted.push({ rec, origin, base, depth: rec.countAbove(base) })
    }
    wanted.sort((a, b) => b.depth - a.depth || (a.origin < b.origin ? -1 : 1))
    return this.fill(wanted, budget)
  }

  /** The whole state, as deltas from version 0, while `budget` lasts. */
  fullState (budget: number): OriginDelta[] {
    const wanted = this.sorted.map(origin => {
      const rec = this.origins.get(origin)!
      return { rec, origin, base: 0, depth: rec.entries.size }
    }).filter(w => w.rec.known > 0)
    return this.fill(wanted, budget)
  }

  private fill (wanted: Array<{ rec: OriginRecord, origin: NodeId, base: number }>, budget: number): OriginDelta[] {
    const out: OriginDelta[] = []
    for (const { rec, origin, base } of wanted) {
      const header = deltaHeaderSize(origin, rec.generation, base, rec.known, rec.gcVersion)
      if (header >= budget) break
      const s = rec.suffix(base, budget - header)
      if (s.entries.length === 0 && s.toVersion <= base) break // not even one entry fits
      out.push({ origin, generation: rec.generation, fromVersion: base, toVersion: s.toVersion, gcVersion: rec.gcVersion, entries: s.entries })
      budget -= header + s.bytes
    }
    return out
  }

  private addOrigin (origin: NodeId, generation: number): OriginRecord {
    const rec = new OriginRecord(generation)
    this.origins.set(origin, rec)
    this.sorted.splice(lowerBound(this.sorted, origin), 0, origin)
    return rec
  }

  private putCounted (rec: OriginRecord, e: Entry): boolean {
    const prev = rec.put(e)
    if (prev === null) return false
    if (prev === undefined) this.entryCount++
    return true
  }
}

/** The version to send `rec` from, given what the peer told us (undefined: nothing to send). */
function baseFor (rec: OriginRecord, theirs: DigestEntry | undefined): number | undefined {
  if (rec.known === 0) return undefined
  if (theirs === undefined || theirs.generation < rec.generation) return 0
  if (theirs.generation > rec.generation || theirs.version >= rec.known) return undefined
  return theirs.version < rec.gcVersion ? 0 : theirs.version
}

function lowerBound (ids: readonly string[], x: string): number {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ids[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return lo
}
