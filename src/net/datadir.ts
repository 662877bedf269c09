/**
 * A node's data directory: its Ed25519 key (`key`, so its peer id survives restarts), its replicated state
 * in LevelDB (classic-level, `db/`), and a witness of the last acknowledged write (`witness.json`).
 *
 * Storage that never lies (ARCHITECTURE.md, "Storage"):
 *   - Every change the state core makes — a local write, or an update learned from a peer — is written in
 *     order; changes queued while a write is in flight go out together as one batch (group commit). With
 *     `durability: 'sync'` (the default) a batch is synced before the writes in it are acknowledged, so an
 *     acknowledged write survives power loss; `'relaxed'` acknowledges once the operating system has the
 *     batch (it survives the process dying, not the machine).
 *   - Each batch carries a sequence number, and the witness (written beside the database, atomically)
 *     records the last one. Each origin's record carries the count and additive hash of its live entries.
 *   - At open, the whole state is read back and checked: a database older than its witness (truncated,
 *     rolled back, emptied), records whose entries do not add up (rows lost to garbage in the log),
 *     unreadable metadata, a key file missing beside existing data. Damage to this node's own entries
 *     refuses to start with one line saying what to run, unless the caller asks to `recover` — then the
 *     intact part loads, the damage is listed (`damage`) for a loud warning, and the node takes its own
 *     entries back from its peers (the state core's recovery). Damaged copies of other origins are dropped
 *     and fetched again from peers, with a warning. A new identity is never made over existing data.
 *
 * The folder holds the node's key, so it is private (./private-files.ts): made 0700, and refused with the
 * `chmod` to run if it, the database folder or the key file is open to other users. LevelDB makes its files
 * with the process umask, at open and later (compactions), so the database's files are set to 0600 after
 * open and again at close; a file made in between sits in a folder nobody else can enter.
 */
import { randomBytes } from 'node:crypto'
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { UsageError } from '../core/errors.js'
import { identityFromSeed } from '../core/identity.js'
import type { NodeId } from '../core/protocol.js'
import { addLeaf, bigToBytes } from '../state/auth.js'
import type { StateChange } from '../state/antientropy.js'
import type { Entry, Head } from '../state/messages.js'
import type { OriginMeta } from '../state/store.js'
import { assertPrivate, makePrivate } from './private-files.js'

export type Durability = 'sync' | 'relaxed'

export interface DataDirOptions {
  /** 'sync' (default): a write is acknowledged once on disk; 'relaxed': once the OS has it. */
  durability?: Durability
  /** Start from the intact part of a damaged directory (the node then recovers its own entries from peers). */
  recover?: boolean
}

export interface StateSnapshot {
  origins: Map<NodeId, { meta: OriginMeta, entries: Entry[] }>
}

const SEED = 'identity/seed' // where versions before the key file kept the seed
const PEERS = 'membership/peers'
const SEQ = 'grapevine/seq'
const ENTRY = 's/'
const META = 'o/'
const SEP = '\u0000'
const KEY_FILE = 'key'
const WITNESS_FILE = 'witness.json'
/** The witness is rewritten at most this often (a lagging witness never raises a false alarm). */
const WITNESS_EVERY_MS = 200

type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

export class DataDir {
  /** What was found damaged at open (empty for a sound directory; only non-empty with `recover`). */
  readonly damage: string[] = []
  /** The node's own entries were damaged: the node must recover them from peers before writing. */
  ownDamaged = false
  /** Damaged copies of other origins, dropped (peers send them again). */
  readonly dropped: string[] = []
  private snapshot: StateSnapshot = { origins: new Map() }
  private seq = 0
  private queue: Array<{ ops: Op[], resolve: () => void, reject: (err: Error) => void }> = []
  private writing: Promise<void> | null = null
  private lastWitness = 0
  private closed = false

  private constructor (private readonly db: ClassicLevel<string, Uint8Array>, readonly dir: string, private readonly durability: Durability) {}

  /** Opens (or creates) `dir` and checks everything in it; see the header for what refuses to open. */
  static async open (dir: string, opts: DataDirOptions = {}): Promise<DataDir> {
    try {
      if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) makePrivate(dir, true)
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot create the data directory ${dir}: ${(err as Error).message}`)
    }
    assertPrivate(dir, 'the data directory')
    if (existsSync(join(dir, 'db'))) assertPrivate(join(dir, 'db'), 'the database (the node\'s state)')
    if (existsSync(join(dir, KEY_FILE))) assertPrivate(join(dir, KEY_FILE), 'the key file')
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot open the database in ${dir} (is another grapevine node using it? if it is damaged, move ${dir} away): ${(err as Error).message}`)
    }
    try {
      privateDatabase(join(dir, 'db'))
    } catch (err) {
      await db.close()
      throw new UsageError('ERR_DATA_DIR', `cannot make the database in ${dir} private (mode 0600): ${(err as Error).message}`)
    }
    const d = new DataDir(db, dir, opts.durability ?? 'sync')
    try {
      await d.check(opts.recover === true)
    } catch (err) {
      await db.close().catch(() => {})
      throw err
    }
    return d
  }

  /** The node's 32-byte Ed25519 seed, made and stored on first use (only in a directory holding no state). */
  async seed (): Promise<Uint8Array> {
    const path = join(this.dir, KEY_FILE)
    if (existsSync(path)) return readFileSync(path)
    const seed = new Uint8Array(randomBytes(32))
    writeDurably(path, seed)
    return seed
  }

  /** The state read back at open (checked; damaged copies of other origins left out). */
  loadState (): StateSnapshot {
    return this.snapshot
  }

  /** Queues one change; the promise settles when it (and everything before it) is written. */
  saveChange (change: StateChange): Promise<void> {
    if (this.closed) return Promise.reject(new UsageError('ERR_STOPPED', 'the data directory is closed (the node stopped); this change was not written'))
    const { origin, entry: e, meta } = change
    const ops: Op[] = []
    if (change.gone) ops.push({ type: 'del', key: ENTRY + origin + SEP + e.key })
    else ops.push({ type: 'put', key: ENTRY + origin + SEP + e.key, value: encodeEntry(e) })
    if (meta === undefined) ops.push({ type: 'del', key: META + origin })
    else ops.push({ type: 'put', key: META + origin, value: encodeMeta(meta) })
    return new Promise((resolve, reject) => {
      this.queue.push({ ops, resolve, reject })
      this.writing ??= this.drain()
    })
  }

  /** Peers (id and multiaddr bytes) to rejoin through after a restart. */
  async savePeers (peers: ReadonlyArray<{ id: string, addrs: readonly Uint8Array[] }>): Promise<void> {
    if (this.closed) return
    const json = JSON.stringify(peers.map(p => ({ id: p.id, addrs: p.addrs.map(a => Buffer.from(a).toString('base64')) })))
    await this.db.put(PEERS, new TextEncoder().encode(json))
  }

  async loadPeers (): Promise<Array<{ id: string, addrs: Uint8Array[] }>> {
    const raw = await this.db.get(PEERS)
    if (raw === undefined) return []
    try {
      const list = JSON.parse(new TextDecoder().decode(raw)) as Array<{ id: string, addrs: string[] }>
      return list.map(p => ({ id: String(p.id), addrs: p.addrs.map(a => new Uint8Array(Buffer.from(a, 'base64'))) }))
    } catch {
      return [] // only hints for rejoining: the bootstrap list still works
    }
  }

  /** Writes what is queued, then closes; later changes are refused with ERR_STOPPED. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    while (this.writing !== null) await this.writing
    writeDurably(join(this.dir, WITNESS_FILE), new TextEncoder().encode(JSON.stringify({ seq: this.seq })))
    await this.db.close()
    try {
      privateDatabase(join(this.dir, 'db'))
    } catch (err) {
      console.error(`grapevine: could not set the database files in ${this.dir} to mode 0600: ${(err as Error).message}`)
    }
  }

  /** Group commit: everything queued goes out as one batch, acknowledged when written (synced, by default). */
  private async drain (): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0)
      const ops: Op[] = group.flatMap(g => g.ops)
      ops.push({ type: 'put', key: SEQ, value: seqBytes(this.seq + 1) })
      try {
        await this.db.batch(ops, { sync: this.durability === 'sync' })
        this.seq++
        for (const g of group) g.resolve()
      } catch (err) {
        for (const g of group) g.reject(err as Error)
      }
      if (Date.now() - this.lastWitness >= WITNESS_EVERY_MS) {
        this.lastWitness = Date.now()
        try {
          writeDurably(join(this.dir, WITNESS_FILE), new TextEncoder().encode(JSON.stringify({ seq: this.seq })), this.durability === 'sync')
        } catch (err) {
          console.error(`grapevine: could not update ${join(this.dir, WITNESS_FILE)}: ${(err as Error).message}`)
        }
      }
    }
    this.writing = null
  }

  /** Reads everything back and checks it (header comment). */
  private async check (recover: boolean): Promise<void> {
    const dir = this.dir
    const fatal: string[] = []
    // The key: a file of 32 bytes; older directories kept it in the database.
    const keyPath = join(dir, KEY_FILE)
    const dbSeed = await this.db.get(SEED)
    let hasData = false
    for await (const _ of this.db.keys({ limit: 1, gte: META, lt: META + '\uffff' })) hasData = true
    const witnessPath = join(dir, WITNESS_FILE)
    const hasWitness = existsSync(witnessPath)
    let self: NodeId | undefined
    if (existsSync(keyPath)) {
      const key = readFileSync(keyPath)
      if (key.length !== 32) throw new UsageError('ERR_DATA_DAMAGED', `the key file ${keyPath} is damaged (${key.length} bytes, not 32); restore it from a backup — a new key would be a new node — or move ${dir} away to start afresh`)
      self = identityFromSeed(key).peerId
    } else if (dbSeed !== undefined && dbSeed.length === 32) {
      writeDurably(keyPath, dbSeed)
      self = identityFromSeed(dbSeed).peerId
    } else if (hasData || hasWitness) {
      throw new UsageError('ERR_DATA_DAMAGED', `the key file ${keyPath} is missing but ${dir} holds state written under it; restore the key from a backup (a new key would be a new node whose writes nobody can tell from the old one's), or move ${dir} away to start afresh`)
    }
    // The sequence number against the witness.
    const rawSeq = await this.db.get(SEQ)
    this.seq = rawSeq === undefined || rawSeq.length !== 8 ? 0 : Number(Buffer.from(rawSeq).readBigUInt64BE(0))
    if (hasWitness) {
      let witnessed = -1
      try {
        const w = JSON.parse(readFileSync(witnessPath, 'utf8')) as { seq?: unknown }
        if (typeof w.seq === 'number' && Number.isSafeInteger(w.seq)) witnessed = w.seq
      } catch {
        // reported just below as unreadable
      }
      if (witnessed < 0) fatal.push(`${witnessPath} is unreadable`)
      else if (this.seq < witnessed) fatal.push(`the database ends at write ${this.seq} but write ${witnessed} was acknowledged (the log was truncated, emptied or rolled back)`)
    }
    // Every origin's record, and its entries adding up to what the record says. Damage to another origin's
    // copy is repaired by dropping it (peers send it again); damage to our own is fatal.
    const origins = new Map<NodeId, { meta: OriginMeta, entries: Entry[] }>()
    const broken = new Map<NodeId, string>()
    for await (const [k, v] of this.db.iterator({ gte: META, lt: META + '\uffff' })) {
      const origin = k.slice(META.length)
      try {
        origins.set(origin, { meta: decodeMeta(v), entries: [] })
      } catch (err) {
        broken.set(origin, `its record is unreadable (${(err as Error).message})`)
        origins.set(origin, { meta: { generation: 0, known: 0, gcVersion: 0 }, entries: [] })
      }
    }
    for await (const [k, v] of this.db.iterator({ gte: ENTRY, lt: ENTRY + '\uffff' })) {
      const rest = k.slice(ENTRY.length)
      const i = rest.indexOf(SEP)
      const origin = i < 0 ? '' : rest.slice(0, i)
      const e = i < 0 ? undefined : decodeEntry(rest.slice(i + 1), v)
      const o = origins.get(origin)
      if (o === undefined) {
        if (origin === self) broken.set(origin, 'its entries have no record')
        continue
      }
      if (e === undefined) broken.set(origin, `an entry row (${JSON.stringify(rest.slice(i + 1, i + 41))}) is unreadable`)
      else o.entries.push(e)
    }
    for (const [origin, o] of origins) {
      if (broken.has(origin)) continue
      const problem = adds(o.meta, o.entries)
      if (problem !== undefined) broken.set(origin, problem)
    }
    for (const [origin, problem] of broken) {
      if (origin === self) {
        fatal.push(`this node's own entries are damaged: ${problem}`)
        // Kept for the recovery to salvage (each entry carries our signature); the record is rebuilt.
        const own = origins.get(origin)!
        own.meta = { ...own.meta, known: Math.max(0, ...own.entries.map(e => e.version)), count: undefined, sum: undefined }
      } else {
        origins.delete(origin)
        this.dropped.push(`${origin}: ${problem}`)
      }
    }
    this.snapshot = { origins }
    if (fatal.length === 0) return
    this.damage.push(...fatal)
    this.ownDamaged = true
    if (!recover) {
      throw new UsageError('ERR_DATA_DAMAGED', `the data directory ${dir} is damaged: ${fatal[0]}${fatal.length > 1 ? ` (and ${fatal.length - 1} more problems)` : ''}. ` +
        'Its state cannot be trusted as it is. Start again with --recover (createNode: recover: true) to load what is intact and take this node\'s own entries back from its peers, or move the directory away to start afresh.')
    }
    // Recovering: from here on the directory is what we hold; the witness follows it.
    writeDurably(witnessPath, new TextEncoder().encode(JSON.stringify({ seq: this.seq })))
  }
}

/** The database folder 0700 and its files 0600, whatever the umask made them. */
function privateDatabase (path: string): void {
  makePrivate(path, true)
  for (const f of readdirSync(path, { withFileTypes: true })) if (f.isFile()) makePrivate(join(path, f.name), false)
}

/** Does an origin's stored record match its stored entries? (A description of the mismatch, or undefined.) */
function adds (meta: OriginMeta, entries: readonly Entry[]): string | undefined {
  if (meta.count === undefined || meta.sum === undefined) return undefined // written before records carried them
  let count = 0
  let sum = 0n
  for (const e of entries) {
    if (e.version > meta.known) return `entry ${JSON.stringify(e.key)} at version ${e.version} is past the record's ${meta.known}`
    if (e.deleted) continue
    count++
    sum = addLeaf(sum, e)
  }
  if (count !== meta.count) return `${count} live entries where the record says ${meta.count} (rows were lost)`
  const want = Buffer.from(meta.sum).toString('hex')
  if (Buffer.from(bigToBytes(sum)).toString('hex') !== want) return 'the entries do not hash to what the record says (rows were lost or altered)'
  return undefined
}

/** Writes a small file and, with `sync`, makes sure it is on disk before it replaces the old one. */
function writeDurably (path: string, data: Uint8Array, sync = true): void {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, data)
    if (sync) fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
  if (sync) {
    const dirFd = openSync(join(path, '..'), 'r')
    try {
      fsyncSync(dirFd)
    } catch {
      // some file systems cannot sync a folder; the rename itself is atomic
    } finally {
      closeSync(dirFd)
    }
  }
}

function seqBytes (n: number): Uint8Array {
  const b = new Uint8Array(8)
  new DataView(b.buffer).setBigUint64(0, BigInt(n))
  return b
}

/** version (float64) ‖ deleted (1 byte) ‖ signature length (1 byte) ‖ signature ‖ value */
function encodeEntry (e: Entry): Uint8Array {
  const v = new Uint8Array(10 + e.signature.length + e.value.length)
  new DataView(v.buffer).setFloat64(0, e.version)
  v[8] = e.deleted ? 1 : 0
  v[9] = e.signature.length
  v.set(e.signature, 10)
  v.set(e.value, 10 + e.signature.length)
  return v
}

function decodeEntry (key: string, v: Uint8Array): Entry | undefined {
  if (v.length < 10 || v.length < 10 + v[9]! || v[8]! > 1) return undefined
  const version = new DataView(v.buffer, v.byteOffset, v.byteLength).getFloat64(0)
  if (!Number.isSafeInteger(version) || version < 1) return undefined
  const sigEnd = 10 + v[9]!
  return { key, version, deleted: v[8] === 1, signature: v.slice(10, sigEnd), value: v.slice(sigEnd) }
}

interface StoredHead { version: number, count: number, sum: string, digest: string, signature: string }
interface StoredMeta { generation: number, known: number, gcVersion: number, count?: number, sum?: string, head?: StoredHead }

const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
const unb64 = (x: unknown): Uint8Array => {
  if (typeof x !== 'string') throw new TypeError('not base64 text')
  return new Uint8Array(Buffer.from(x, 'base64'))
}

function encodeMeta (m: OriginMeta): Uint8Array {
  const stored: StoredMeta = { generation: m.generation, known: m.known, gcVersion: m.gcVersion }
  if (m.count !== undefined && m.sum !== undefined) {
    stored.count = m.count
    stored.sum = b64(m.sum)
  }
  if (m.head !== undefined) stored.head = { version: m.head.version, count: m.head.count, sum: b64(m.head.sum), digest: b64(m.head.digest), signature: b64(m.head.signature) }
  return new TextEncoder().encode(JSON.stringify(stored))
}

function decodeMeta (v: Uint8Array): OriginMeta {
  const s = JSON.parse(new TextDecoder().decode(v)) as StoredMeta
  const whole = (x: unknown): number => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new TypeError('a counter is not a whole number')
    return x
  }
  const meta: OriginMeta = { generation: whole(s.generation), known: whole(s.known), gcVersion: whole(s.gcVersion) }
  if (s.count !== undefined) {
    meta.count = whole(s.count)
    meta.sum = unb64(s.sum)
  }
  if (s.head !== undefined) {
    const h: Head = { version: whole(s.head.version), count: whole(s.head.count), sum: unb64(s.head.sum), digest: unb64(s.head.digest), signature: unb64(s.head.signature) }
    meta.head = h
  }
  return meta
}
