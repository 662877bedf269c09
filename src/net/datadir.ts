/**
 * A node's data directory: its Ed25519 seed (so its peer id survives restarts) and its
 * replicated state, in LevelDB (classic-level). Every change the state core makes — a local write, or an
 * update learned from a peer — is written as one batch (the entry and its origin's generation / counter);
 * batches go out in order, and a local write is acknowledged to the caller only once its batch is
 * written, so a write the node accepted survives `kill -9`. At start the whole state is read back and
 * installed into the core before it runs.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { UsageError } from '../core/errors.js'
import type { NodeId } from '../core/protocol.js'
import type { StateChange } from '../state/antientropy.js'
import type { Entry, Head } from '../state/messages.js'
import type { OriginMeta } from '../state/store.js'

export interface StateSnapshot {
  origins: Map<NodeId, { meta: OriginMeta, entries: Entry[] }>
}

const SEED = 'identity/seed'
const PEERS = 'membership/peers'
const ENTRY = 's/'
const META = 'o/'
const SEP = '\u0000'

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

interface StoredHead { version: number, count: number, sum: string, digest: string, signature: string }
interface StoredMeta { generation: number, known: number, gcVersion: number, head?: StoredHead }

function encodeMeta (m: OriginMeta): Uint8Array {
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')
  const stored: StoredMeta = { generation: m.generation, known: m.known, gcVersion: m.gcVersion }
  if (m.head !== undefined) stored.head = { version: m.head.version, count: m.head.count, sum: b64(m.head.sum), digest: b64(m.head.digest), signature: b64(m.head.signature) }
  return new TextEncoder().encode(JSON.stringify(stored))
}

function decodeMeta (v: Uint8Array): OriginMeta {
  const s = JSON.parse(new TextDecoder().decode(v)) as StoredMeta
  const bytes = (x: string): Uint8Array => new Uint8Array(Buffer.from(x, 'base64'))
  const meta: OriginMeta = { generation: s.generation, known: s.known, gcVersion: s.gcVersion }
  if (s.head !== undefined) {
    const h: Head = { version: s.head.version, count: s.head.count, sum: bytes(s.head.sum), digest: bytes(s.head.digest), signature: bytes(s.head.signature) }
    meta.head = h
  }
  return meta
}

export class DataDir {
  /** Writes in flight, in order. */
  private chain: Promise<void> = Promise.resolve()

  private constructor (private readonly db: ClassicLevel<string, Uint8Array>, readonly dir: string) {}

  static async open (dir: string): Promise<DataDir> {
    try {
      mkdirSync(dir, { recursive: true })
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot create the data directory ${dir}: ${(err as Error).message}`)
    }
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot open the database in ${dir} (is another grapevine node using it?): ${(err as Error).message}`)
    }
    return new DataDir(db, dir)
  }

  /** The node's 32-byte Ed25519 seed, made and stored on first use. */
  async seed (): Promise<Uint8Array> {
    const have = await this.db.get(SEED)
    if (have !== undefined && have.length === 32) return have
    const seed = new Uint8Array(randomBytes(32))
    await this.db.put(SEED, seed, { sync: true })
    return seed
  }

  async loadState (): Promise<StateSnapshot> {
    const origins = new Map<NodeId, { meta: OriginMeta, entries: Entry[] }>()
    const get = (origin: NodeId): { meta: OriginMeta, entries: Entry[] } => {
      let o = origins.get(origin)
      if (o === undefined) origins.set(origin, o = { meta: { generation: 0, known: 0, gcVersion: 0 }, entries: [] })
      return o
    }
    for await (const [k, v] of this.db.iterator({ gte: META, lt: META + '\uffff' })) {
      get(k.slice(META.length)).meta = decodeMeta(v)
    }
    for await (const [k, v] of this.db.iterator({ gte: ENTRY, lt: ENTRY + '\uffff' })) {
      const rest = k.slice(ENTRY.length)
      const i = rest.indexOf(SEP)
      if (i < 0 || v.length < 10 || v.length < 10 + v[9]!) continue
      const dv = new DataView(v.buffer, v.byteOffset, v.byteLength)
      const sigEnd = 10 + v[9]!
      get(rest.slice(0, i)).entries.push({ key: rest.slice(i + 1), version: dv.getFloat64(0), deleted: v[8] === 1, signature: v.slice(10, sigEnd), value: v.slice(sigEnd) })
    }
    return { origins }
  }

  /** Queues one change; the promise settles when it (and everything before it) is on disk. */
  saveChange (change: StateChange): Promise<void> {
    const { origin, entry: e, meta } = change
    const batch = this.db.batch()
    if (change.gone) batch.del(ENTRY + origin + SEP + e.key)
    else batch.put(ENTRY + origin + SEP + e.key, encodeEntry(e))
    if (meta === undefined) batch.del(META + origin)
    else batch.put(META + origin, encodeMeta(meta))
    const done = this.chain.then(async () => await batch.write())
    this.chain = done.catch(() => {})
    return done
  }

  /** Peers (id and multiaddr bytes) to rejoin through after a restart. */
  async savePeers (peers: ReadonlyArray<{ id: string, addrs: readonly Uint8Array[] }>): Promise<void> {
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
      return []
    }
  }

  async close (): Promise<void> {
    await this.chain
    await this.db.close()
  }
}
