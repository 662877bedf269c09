/**
 * The replicated map: for each origin (the node that owns and writes a set of keys) its entries
 * `key → (value, version)`, how far this node has seen it (`known`), its generation, the newest tombstone
 * version collected (`gcVersion`) and the origin's newest signed head (./auth.ts). Scuttlebutt (van Renesse
 * et al., 2008) reconciliation lives here: digests, deltas above a digest in version order (so a receiver
 * never has gaps), and applying them — after checking them, since any peer may relay anything.
 *
 * Rules for applying an origin delta at a receiver (ARCHITECTURE.md, "Authenticated state"):
 *   - a delta about ourselves is not applied here (the core handles it: we are the authority);
 *   - a delta of an older generation is stale; a newer generation needs a head of that generation, signed
 *     by the origin, and replaces the origin's record;
 *   - a delta that starts beyond what we hold (a gap) is ignored: a record holds no entry above `known`;
 *   - a delta from version 0 up to its head's version (a whole origin) is accepted if its entries match the
 *     head's count and digest: one signature check for the lot, and it replaces the record exactly;
 *   - otherwise each entry newer than ours must carry the origin's signature; the first that does not
 *     stops the delta and is reported;
 *   - whenever `known` reaches the head's version, the record must match the head's count and sum; if not
 *     (a relay left something out, or a deleted key whose tombstone was collected stayed behind), the
 *     record is rebuilt from version 0.
 */
import type { NodeId } from '../core/protocol.js'
import { addLeaf, bigToBytes, digestOf, type StateAuth, type StateRejection } from './auth.js'
import { deltaHeaderSize, digestEntrySize, entrySize } from './codec.js'
import { inRange, type Digest, type DigestEntry, type Entry, type Head, type OriginDelta } from './messages.js'

/** How far a node holds an origin: its generation, the version it has everything up to, the newest collected tombstone. */
export interface OriginMeta {
  generation: number
  known: number
  gcVersion: number
  /** The origin's newest head held (not kept for our own origin: it is signed again from our entries). */
  head?: Head
  /** Live, non-deleted entries and their additive hash (32 bytes), so a reader of a copy can check it is whole. */
  count?: number
  sum?: Uint8Array
}

export class OriginRecord {
  generation: number
  /** Every update of this origin up to `known` (in `generation`) is reflected here, and nothing above. */
  known = 0
  /** The newest tombstone version collected for this origin. */
  gcVersion = 0
  /** Live, non-deleted entries, and the additive hash of their leaves: what a head of `known` must match. */
  count = 0
  sum = 0n
  /** The newest head of this origin held (for our own origin: the last one signed). */
  head: Head | undefined
  /** While rebuilding from version 0 after a failed check: the keys delivered since. */
  rebuild: Set<string> | undefined
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
    if (prev !== undefined && !prev.deleted) {
      this.count--
      this.sum = addLeaf(this.sum, prev, -1)
    }
    if (!e.deleted) {
      this.count++
      this.sum = addLeaf(this.sum, e)
    }
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

  /** Replaces everything (a new generation, a whole-origin delta, a restore). */
  reset (generation: number, known: number, gcVersion: number, entries: readonly Entry[]): void {
    this.generation = generation
    this.known = known
    this.gcVersion = gcVersion
    this.entries.clear()
    this.log = []
    this.superseded = 0
    this.count = 0
    this.sum = 0n
    this.rebuild = undefined
    for (const e of entries) this.put(e)
  }

  /** Does what we hold match the head of our `known` version? (Undefined: no head of that version.) */
  matchesHead (): boolean | undefined {
    const h = this.head
    if (h === undefined || h.version !== this.known) return undefined
    return h.count === this.count && equalBytes(h.sum, bigToBytes(this.sum))
  }

  /** Live, non-deleted entries in version order (what a head's digest covers). */
  * inVersionOrder (): Generator<Entry> {
    for (const e of this.log) if (this.isLive(e) && !e.deleted) yield e
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
  /** Entries dropped from the record: keys a whole-origin delta or a rebuild showed to be gone. */
  dropped: Entry[]
  /** Entries not newer than ours (or about ourselves, from an old generation, or past a gap). */
  stale: number
  /** Entries dropped because the store is full (`StoreLimits`). */
  refused: number
  /** The origin's record was replaced (a new generation, or a whole-origin delta). */
  reset: boolean
  /** What we held did not match the origin's head: the record is being rebuilt from version 0. */
  resync: boolean
  /** The delta carried something the origin did not sign (the sender is to blame). */
  rejected?: StateRejection
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
  /** Largest message a whole origin from version 0 may fill on its own, past the delta budget (0: never). */
  wholeOriginBytes = 0

  constructor (readonly self: NodeId, selfGeneration: number, readonly limits: StoreLimits, readonly auth: StateAuth) {
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
   * state), trusted as it is. Entry objects are kept as given, so replicas may share them.
   */
  restore (origin: NodeId, generation: number, known: number, gcVersion: number, entries: readonly Entry[], head: Head | undefined): void {
    const rec = this.origins.get(origin) ?? this.addOrigin(origin, generation)
    this.entryCount -= rec.entries.size
    rec.reset(generation, known, gcVersion, [...entries].filter(e => e.version <= known).sort((a, b) => a.version - b.version))
    rec.head = head !== undefined && head.version >= known ? head : undefined
    this.entryCount += rec.entries.size
  }

  /** Forgets an origin entirely (./antientropy.ts collects silent origins); returns its entries. */
  forget (origin: NodeId): Entry[] {
    const rec = this.origins.get(origin)
    if (rec === undefined || origin === this.self) return []
    this.origins.delete(origin)
    this.sorted.splice(lowerBound(this.sorted, origin), 1)
    this.entryCount -= rec.entries.size
    return [...rec.entries.values()]
  }

  /** A local write: the next version of our own origin, signed. */
  writeOwn (key: string, value: Uint8Array, deleted: boolean): Entry {
    const own = this.own
    const e = this.auth.signEntry(own.generation, { key, value, version: own.known + 1, deleted })
    this.putCounted(own, e)
    own.known = e.version
    return e
  }

  /** Moves our own origin to a new generation holding nothing (recovery rewrites it). */
  renewOwn (generation: number): void {
    const own = this.own
    this.entryCount -= own.entries.size
    own.reset(generation, 0, 0, [])
    own.head = undefined
  }

  /** Our own head at our current version, signed once per version. */
  ownHead (): Head {
    const own = this.own
    if (own.head === undefined || own.head.version !== own.known) {
      own.head = this.auth.signHead(own.generation, own.known, own.count, own.sum, digestOf(own.inVersionOrder()))
    }
    return own.head
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
    const result: ApplyResult = { applied: [], dropped: [], stale: 0, refused: 0, reset: false, resync: false }
    let rec = this.origins.get(d.origin)
    const h = d.head
    if (d.origin === this.self || (rec !== undefined && d.generation < rec.generation)) {
      result.stale = d.entries.length
      return result
    }
    const newGeneration = rec === undefined || d.generation > rec.generation
    const newerHead = newGeneration || rec!.head === undefined || h.version > rec!.head.version
    const whole = d.fromVersion === 0 && d.toVersion === h.version && (newGeneration || rec!.known < h.version || rec!.rebuild !== undefined)
    if (!newGeneration && !whole && (d.toVersion <= rec!.known || d.fromVersion > rec!.known)) {
      result.stale = d.entries.length // nothing new, or past a gap
      return result
    }
    if ((newerHead || whole) && !(rec !== undefined && !newGeneration && sameHead(rec.head, h))) {
      result.rejected = this.auth.headProblem(d.origin, d.generation, h)
      if (result.rejected !== undefined) return result
    }
    if (whole) return this.applyWhole(d, rec, result)
    if (newGeneration && d.fromVersion > 0) {
      result.stale = d.entries.length // a new generation starts from version 0
      return result
    }
    if (rec === undefined) {
      if (this.origins.size >= this.limits.maxOrigins) {
        result.refused = d.entries.length
        return result
      }
      rec = this.addOrigin(d.origin, d.generation)
    } else if (newGeneration) {
      this.resetRecord(rec, d.generation, 0, [], result)
    }
    if (newerHead) rec.head = h
    let reached = d.toVersion
    for (const e of d.entries) {
      rec.rebuild?.add(e.key)
      const cur = rec.entries.get(e.key)
      if (cur !== undefined && cur.version >= e.version) {
        result.stale++
        continue
      }
      if (this.entryCount >= this.limits.maxEntries && cur === undefined) {
        result.refused++
        reached = e.version - 1
        break
      }
      result.rejected = this.auth.entryProblem(d.origin, rec.generation, e)
      if (result.rejected !== undefined) {
        reached = e.version - 1
        break
      }
      this.putCounted(rec, e)
      result.applied.push(e)
    }
    if (reached > rec.known) rec.known = reached
    this.check(rec, result)
    return result
  }

  /** A whole origin (from 0 to its head's version): proven by the head's count and digest. */
  private applyWhole (d: OriginDelta, rec: OriginRecord | undefined, result: ApplyResult): ApplyResult {
    const h = d.head
    let count = 0
    for (const e of d.entries) if (!e.deleted) count++
    if (count !== h.count || !equalBytes(digestOf(d.entries), h.digest)) {
      result.rejected = 'head-mismatch'
      return result
    }
    for (const e of d.entries) {
      if (!e.deleted) continue
      result.rejected = this.auth.entryProblem(d.origin, d.generation, e)
      if (result.rejected !== undefined) return result
    }
    const held = rec?.entries.size ?? 0
    if ((rec === undefined && this.origins.size >= this.limits.maxOrigins) || this.entryCount - held + d.entries.length > this.limits.maxEntries) {
      result.refused = d.entries.length
      return result
    }
    rec ??= this.addOrigin(d.origin, d.generation)
    for (const e of d.entries) {
      const cur = rec.entries.get(e.key)
      if (rec.generation !== d.generation || cur === undefined || cur.version < e.version) result.applied.push(e)
      else result.stale++
    }
    this.resetRecord(rec, d.generation, h.version, d.entries, result)
    rec.head = h
    return result
  }

  /** Replaces a record's entries, reporting the live keys that disappear. */
  private resetRecord (rec: OriginRecord, generation: number, known: number, entries: readonly Entry[], result: ApplyResult): void {
    const keep = new Set(entries.map(e => e.key))
    for (const e of rec.entries.values()) if (!e.deleted && !keep.has(e.key)) result.dropped.push(e)
    this.entryCount -= rec.entries.size
    rec.reset(generation, known, rec.generation === generation ? rec.gcVersion : 0, entries)
    this.entryCount += rec.entries.size
    result.reset = true
  }

  /** At the head's version, what we hold must match it; otherwise rebuild the record from version 0. */
  private check (rec: OriginRecord, result: ApplyResult): void {
    if (rec.known !== rec.head?.version) return
    if (rec.rebuild !== undefined) {
      // A rebuild reached the head: keys it did not deliver are gone at the origin.
      const delivered = rec.rebuild
      rec.rebuild = undefined
      for (const e of [...rec.entries.values()]) {
        if (delivered.has(e.key)) continue
        rec.entries.delete(e.key)
        this.entryCount--
        if (!e.deleted) {
          rec.count--
          rec.sum = addLeaf(rec.sum, e, -1)
          result.dropped.push(e)
        }
      }
    }
    if (rec.matchesHead() === false) {
      result.resync = true
      rec.known = 0
      rec.rebuild = new Set()
    }
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
    }).filter(w => w.rec.known > 0 && w.rec.rebuild === undefined)
    return this.fill(wanted, budget)
  }

  private fill (wanted: Array<{ rec: OriginRecord, origin: NodeId, base: number }>, budget: number): OriginDelta[] {
    const out: OriginDelta[] = []
    for (const { rec, origin, base } of wanted) {
      const head = origin === this.self ? this.ownHead() : rec.head
      if (head === undefined) continue
      const header = deltaHeaderSize(origin, rec.generation, base, rec.known, head)
      if (header >= budget) break
      const s = rec.suffix(base, budget - header)
      // A whole origin from version 0 too large for the budget goes alone in a message of up to
      // `wholeOriginBytes` (past the MTU): the receiver checks it with one signature (./auth.ts), not one per entry.
      if (s.toVersion < rec.known && base === 0 && out.length === 0 && this.wholeOriginBytes > budget) {
        const whole = rec.suffix(0, this.wholeOriginBytes - header)
        if (whole.toVersion === rec.known) {
          out.push({ origin, generation: rec.generation, fromVersion: 0, toVersion: whole.toVersion, entries: whole.entries, head })
          break
        }
      }
      if (s.entries.length === 0 && s.toVersion <= base) break // not even one entry fits
      // An origin that does not fit whole waits for the next message, unless it could never fit whole.
      if (s.toVersion < rec.known && out.length > 0) break
      out.push({ origin, generation: rec.generation, fromVersion: base, toVersion: s.toVersion, entries: s.entries, head })
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

function sameHead (a: Head | undefined, b: Head): boolean {
  return a !== undefined && a.version === b.version && a.count === b.count && equalBytes(a.sum, b.sum) &&
    equalBytes(a.digest, b.digest) && equalBytes(a.signature, b.signature)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
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
