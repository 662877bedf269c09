/**
 * A bounded, time-limited set of message ids kept as bytes (GossipSub's seen cache, libp2p specs
 * pubsub/gossipsub v1.0 "seen", and its per-peer IDONTWANT lists, v1.2). Ids expire `ttlMs` after they
 * were added, and the oldest go first past `maxSize`; insertion order is time order, so both bounds only
 * ever drop from the front.
 *
 * Compact on purpose: a router remembers every message of the last two minutes, and a `Map` of id strings
 * costs ~180 bytes an id (the string, a map entry, an order slot, a boxed time) and one object each for the
 * collector to trace. Here an id costs its bytes plus 28 bytes of typed arrays, and there is no object per
 * id: a ring of entries (time, hash, length, byte offset, chain link), a bucket array indexing them by a
 * seeded MurmurHash3 of the bytes, and a byte ring holding the ids themselves, so lookups compare the
 * whole id (no fingerprint can make two messages one). Callers seed the hash from their random stream so
 * that nobody can choose ids that all land in one bucket.
 */

export class SeenIds<V = undefined> {
  /** Entry slots (a power of two); entry number s lives in slot s & (cap − 1). */
  private cap = 0
  private time!: Float64Array
  private hash!: Int32Array
  private len!: Uint32Array
  /** Offset of the id's bytes in `bytes`. */
  private at!: Uint32Array
  /** The next slot in the same bucket, −1 at the end. */
  private next!: Int32Array
  /** Bucket (hash & (cap − 1)) → its first slot, −1 when empty. */
  private buckets!: Int32Array
  /** Entry number of the oldest entry, and how many there are. */
  private head = 0
  private count = 0
  /** The ids' bytes, a ring written at `tail` (an id never wraps: the end is skipped instead). */
  private bytes: Uint8Array
  private tail = 0
  /** Bytes of the live ids. */
  private live = 0
  /** A value per entry slot, for sets that carry one (the message cache's messages). */
  private values: Array<V | undefined> = []

  constructor (readonly ttlMs: number, readonly maxSize: number, private readonly seed = 0, initial = 16) {
    this.alloc(pow2(Math.max(2, Math.min(initial, maxSize))))
    this.bytes = new Uint8Array(this.cap * 48)
  }

  /** Empty entry arrays of `cap` slots (no bucket holds anything yet). */
  private alloc (cap: number): void {
    this.cap = cap
    this.time = new Float64Array(cap)
    this.hash = new Int32Array(cap)
    this.len = new Uint32Array(cap)
    this.at = new Uint32Array(cap)
    this.next = new Int32Array(cap)
    this.buckets = new Int32Array(cap).fill(-1)
  }

  get size (): number {
    return this.count
  }

  /** Whether `id` is here; `h` is its hash (`hashOf`), to look one id up in several sets of one seed. */
  has (id: Uint8Array, h?: number): boolean {
    return this.count > 0 && this.find(id, h ?? murmur3(id, this.seed)) >= 0
  }

  hashOf (id: Uint8Array): number {
    return murmur3(id, this.seed)
  }

  /** Adds `id` at time `now` (expiring what is older than the TTL first); false if it was already there. */
  add (now: number, id: Uint8Array): boolean {
    this.expire(now)
    return this.insert(now, id)
  }

  /** The value stored with `id`, if it is here. */
  get (id: Uint8Array): V | undefined {
    if (this.count === 0) return undefined
    const i = this.find(id, murmur3(id, this.seed))
    return i < 0 ? undefined : this.values[i]
  }

  /**
   * Calls `fn` with the ids (copied) and values of entries `from` to `to` − 1 in insertion order (0 is the
   * oldest); `fn` returns false to skip an entry without copying its id.
   */
  range (from: number, to: number, want: (value: V | undefined) => boolean, fn: (id: Uint8Array<ArrayBuffer>, value: V | undefined) => void): void {
    const end = Math.min(to, this.count)
    const slots: number[] = []
    let bytes = 0
    for (let k = Math.max(0, from); k < end; k++) {
      const slot = (this.head + k) & (this.cap - 1)
      if (!want(this.values[slot])) continue
      slots.push(slot)
      bytes += this.len[slot]!
    }
    // One buffer for all the copies: an id outlives its entry here (an IHAVE in a send queue).
    const out = new Uint8Array(bytes)
    let at = 0
    for (const slot of slots) {
      const a = this.at[slot]!
      const n = this.len[slot]!
      out.set(this.bytes.subarray(a, a + n), at)
      fn(out.subarray(at, at + n), this.values[slot])
      at += n
    }
  }

  /** Adds `id` at time `now` without expiring anything (the owner expires at its own pace); false if it was there. */
  insert (now: number, id: Uint8Array, value?: V): boolean {
    const h = murmur3(id, this.seed)
    if (this.find(id, h) >= 0) return false
    if (this.maxSize < 1) return true // a set that keeps nothing
    if (this.count >= this.maxSize) this.dropOldest()
    if (this.count === this.cap) this.grow()
    const at = this.place(id.length)
    this.bytes.set(id, at)
    const slot = (this.head + this.count) & (this.cap - 1)
    this.time[slot] = now
    this.hash[slot] = h
    this.len[slot] = id.length
    this.at[slot] = at
    if (value !== undefined) {
      if (this.values.length === 0) this.values = new Array<V | undefined>(this.cap).fill(undefined)
      this.values[slot] = value
    }
    const b = h & (this.cap - 1)
    this.next[slot] = this.buckets[b]!
    this.buckets[b] = slot
    this.count++
    this.live += id.length
    return true
  }

  /** Drops the ids added `ttlMs` or longer before `now`. */
  expire (now: number): void {
    const horizon = now - this.ttlMs
    while (this.count > 0 && this.time[this.head & (this.cap - 1)]! <= horizon) this.dropOldest()
  }

  /** The time the oldest id was added, undefined when empty. */
  oldest (): number | undefined {
    return this.count === 0 ? undefined : this.time[this.head & (this.cap - 1)]
  }

  /** The value stored with the oldest id. */
  oldestValue (): V | undefined {
    return this.count === 0 ? undefined : this.values[this.head & (this.cap - 1)]
  }

  /** Drops the oldest id. */
  dropOldest (): void {
    if (this.count === 0) return
    const slot = this.head & (this.cap - 1)
    const b = this.hash[slot]! & (this.cap - 1)
    let i = this.buckets[b]!
    if (i === slot) {
      this.buckets[b] = this.next[slot]!
    } else {
      while (this.next[i] !== slot) i = this.next[i]!
      this.next[i] = this.next[slot]!
    }
    if (this.values.length > 0) this.values[slot] = undefined
    this.head++
    this.count--
    this.live -= this.len[slot]!
    if (this.count === 0) {
      this.head = 0
      this.tail = 0
    }
  }

  private find (id: Uint8Array, h: number): number {
    const n = id.length
    for (let i = this.buckets[h & (this.cap - 1)]!; i >= 0; i = this.next[i]!) {
      if (this.hash[i] !== h || this.len[i] !== n) continue
      const at = this.at[i]!
      let j = 0
      while (j < n && this.bytes[at + j] === id[j]) j++
      if (j === n) return i
    }
    return -1
  }

  /** Where `n` bytes go: at the tail, or at the start of the ring if they do not fit before its end. */
  private place (n: number): number {
    for (;;) {
      if (this.live === 0) {
        if (n <= this.bytes.length) return this.claim(0, n)
      } else {
        const first = this.at[this.head & (this.cap - 1)]!
        if (this.tail > first) {
          // Live bytes in [first, tail): free before the end, or else at the start.
          if (this.tail + n <= this.bytes.length) return this.claim(this.tail, n)
          if (n <= first) return this.claim(0, n)
        } else if (this.tail + n <= first) {
          // Live bytes wrap: free only in [tail, first).
          return this.claim(this.tail, n)
        }
      }
      this.growBytes(n)
    }
  }

  private claim (at: number, n: number): number {
    this.tail = at + n
    return at
  }

  /**
   * Twice the entry slots, every entry moved in order to slots 0 … count − 1 (called when full, so the
   * entries are the old ring from `head` round to `head` − 1: two runs, each copied whole) and rehashed.
   */
  private grow (): void {
    const old = { cap: this.cap, time: this.time, hash: this.hash, len: this.len, at: this.at, values: this.values }
    this.alloc(this.cap * 2)
    const h = this.head & (old.cap - 1)
    const first = Math.min(this.count, old.cap - h) // entries from h to the end of the old ring
    const runs = [[h, first, 0], [0, this.count - first, first]] as const
    for (const [from, n, to] of runs) {
      if (n === 0) continue
      this.time.set(old.time.subarray(from, from + n), to)
      this.hash.set(old.hash.subarray(from, from + n), to)
      this.len.set(old.len.subarray(from, from + n), to)
      this.at.set(old.at.subarray(from, from + n), to)
    }
    if (old.values.length > 0) {
      this.values = new Array<V | undefined>(this.cap).fill(undefined)
      for (let k = 0; k < this.count; k++) this.values[k] = old.values[(h + k) & (old.cap - 1)]
    }
    for (let k = 0; k < this.count; k++) {
      const b = this.hash[k]! & (this.cap - 1)
      this.next[k] = this.buckets[b]!
      this.buckets[b] = k
    }
    this.head = 0
  }

  /** A byte ring twice as large (or more, to fit `n` more), the live ids copied to its start in order. */
  private growBytes (n: number): void {
    let size = this.bytes.length * 2
    while (size < this.live + n) size *= 2
    const bytes = new Uint8Array(size)
    // Ids written one after another lie in a few runs (one, or two where the ring wrapped): each run is
    // copied whole, and the offsets are moved by its shift.
    let w = 0
    let runStart = 0
    let runEnd = -1
    for (let k = 0; k < this.count; k++) {
      const slot = (this.head + k) & (this.cap - 1)
      const at = this.at[slot]!
      if (at !== runEnd) {
        if (runEnd >= 0) w = this.copyRun(bytes, runStart, runEnd, w)
        runStart = at
      }
      runEnd = at + this.len[slot]!
      this.at[slot] = w + (at - runStart)
    }
    if (runEnd >= 0) w = this.copyRun(bytes, runStart, runEnd, w)
    this.bytes = bytes
    this.tail = w
  }

  private copyRun (to: Uint8Array, start: number, end: number, w: number): number {
    to.set(this.bytes.subarray(start, end), w)
    return w + end - start
  }
}

function pow2 (n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

/** MurmurHash3 (x86, 32-bit) of `b` with `seed`. */
export function murmur3 (b: Uint8Array, seed: number): number {
  let h = seed | 0
  const n = b.length
  const end = n & ~3
  for (let i = 0; i < end; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
    h = (h << 13) | (h >>> 19)
    h = (Math.imul(h, 5) + 0xe6546b64) | 0
  }
  const rest = n & 3
  if (rest > 0) {
    let k = b[end]!
    if (rest > 1) k ^= b[end + 1]! << 8
    if (rest > 2) k ^= b[end + 2]! << 16
    k = Math.imul(k, 0xcc9e2d51)
    k = (k << 15) | (k >>> 17)
    k = Math.imul(k, 0x1b873593)
    h ^= k
  }
  h ^= n
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h
}
