/**
 * A node's data directory: its Ed25519 seed (so its peer id survives restarts) and its
 * replicated state, in LevelDB (classic-level). Every change the state core makes — a local write, or an
 * update learned from a peer — is written as one batch (the entry and its origin's generation / counter);
 * batches go out in order, and a local write is acknowledged to the caller only once its batch is
 * written, so a write the node accepted survives `kill -9`. At start the whole state is read back and
 * installed into the core before it runs.
 *
 * The folder holds the node's key, so it is private (./private-files.ts): made 0700, and refused with the
 * `chmod` to run if it, or the database folder inside it, is open to other users. LevelDB makes its files
 * with the process umask, at open and later (compactions), so the database's files are set to 0600 after
 * open and again at close; a file made in between sits in a folder nobody else can enter.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { UsageError } from '../core/errors.js'
import type { NodeId } from '../core/protocol.js'
import type { Entry } from '../state/messages.js'
import type { OriginMeta } from '../state/store.js'
import { assertPrivate, makePrivate } from './private-files.js'

export interface StateSnapshot {
  origins: Map<NodeId, { meta: OriginMeta, entries: Entry[] }>
}

const SEED = 'identity/seed'
const PEERS = 'membership/peers'
const ENTRY = 's/'
const META = 'o/'
const SEP = '\u0000'

export class DataDir {
  /** Writes in flight, in order. */
  private chain: Promise<void> = Promise.resolve()

  private constructor (private readonly db: ClassicLevel<string, Uint8Array>, readonly dir: string) {}

  static async open (dir: string): Promise<DataDir> {
    try {
      if (mkdirSync(dir, { recursive: true, mode: 0o700 }) !== undefined) makePrivate(dir, true)
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot create the data directory ${dir}: ${(err as Error).message}`)
    }
    assertPrivate(dir, 'the data directory')
    if (existsSync(join(dir, 'db'))) assertPrivate(join(dir, 'db'), 'the database (the node\'s key and state)')
    const db = new ClassicLevel<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' })
    try {
      await db.open()
    } catch (err) {
      throw new UsageError('ERR_DATA_DIR', `cannot open the database in ${dir} (is another grapevine node using it?): ${(err as Error).message}`)
    }
    try {
      privateDatabase(join(dir, 'db'))
    } catch (err) {
      await db.close()
      throw new UsageError('ERR_DATA_DIR', `cannot make the database in ${dir} private (mode 0600): ${(err as Error).message}`)
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
      get(k.slice(META.length)).meta = JSON.parse(new TextDecoder().decode(v)) as OriginMeta
    }
    for await (const [k, v] of this.db.iterator({ gte: ENTRY, lt: ENTRY + '\uffff' })) {
      const rest = k.slice(ENTRY.length)
      const i = rest.indexOf(SEP)
      if (i < 0 || v.length < 9) continue
      const dv = new DataView(v.buffer, v.byteOffset, v.byteLength)
      get(rest.slice(0, i)).entries.push({ key: rest.slice(i + 1), version: dv.getFloat64(0), deleted: v[8] === 1, value: v.slice(9) })
    }
    return { origins }
  }

  /** Queues one change; the promise settles when it (and everything before it) is on disk. */
  saveChange (origin: NodeId, e: Entry, meta: OriginMeta): Promise<void> {
    const v = new Uint8Array(9 + e.value.length)
    new DataView(v.buffer).setFloat64(0, e.version)
    v[8] = e.deleted ? 1 : 0
    v.set(e.value, 9)
    const m = new TextEncoder().encode(JSON.stringify(meta))
    const batch = this.db.batch()
      .put(ENTRY + origin + SEP + e.key, v)
      .put(META + origin, m)
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
    try {
      privateDatabase(join(this.dir, 'db'))
    } catch (err) {
      console.error(`grapevine: could not set the database files in ${this.dir} to mode 0600: ${(err as Error).message}`)
    }
  }
}

/** The database folder 0700 and its files 0600, whatever the umask made them. */
function privateDatabase (path: string): void {
  makePrivate(path, true)
  for (const f of readdirSync(path, { withFileTypes: true })) if (f.isFile()) makePrivate(join(path, f.name), false)
}
