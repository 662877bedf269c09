/**
 * Authenticated replicated state: what an origin signs, and how a receiver checks it whoever relays.
 * An origin is its peer id, so its Ed25519 key is known to everyone (src/core/identity.ts).
 *
 *   entry  — every write is signed by its origin: ("grapevine-state-entry:", origin, generation, version,
 *            deleted, key, value). A relayed entry cannot be forged, altered, moved to another origin or
 *            generation, or replayed as a newer version (the version is signed).
 *   head   — the origin's signed summary of its state at a version: (origin, generation, version, count,
 *            sum, digest) over its live, non-deleted entries (tombstones are left out: each node collects
 *            them on its own schedule). `count` and `sum` (an additive hash of the entries' leaf hashes,
 *            modulo 2^256) can be updated one entry at a time, so a receiver that reaches `version` checks
 *            that it holds exactly the origin's entries: nothing left out by a relay, no deleted key kept.
 *            `digest` hashes the leaves in version order, which lets a receiver accept a whole origin sent
 *            from version 0 with one signature check instead of one per entry (catch-up stays cheap).
 *            A generation change is accepted only with a head of that generation.
 *
 * The additive sum is safe only over entries an attacker cannot choose (each one was signature-checked,
 * or proven by the digest): it detects omissions, not forgeries. Under StrictNoSign (closed clusters) the
 * signatures are empty and never checked; heads are still kept and checked, which catches lost updates.
 */
import { createHash } from 'node:crypto'
import { PeerVerifier, signBytes, type Identity, type SignaturePolicy } from '../core/identity.js'
import type { NodeId } from '../core/protocol.js'
import { UsageError } from '../core/errors.js'
import type { Entry, Head } from './messages.js'

const ENTRY_DOMAIN = 'grapevine-state-entry:'
const HEAD_DOMAIN = 'grapevine-state-head:'
const LEAF_DOMAIN = 'grapevine-state-leaf:'
const EMPTY = new Uint8Array(0)

/** A leaf hash per entry object (entries are immutable; replicas in one process share them). */
const leaves = new WeakMap<Entry, bigint>()

/** The leaf hash of a live entry, as a 256-bit number. */
export function leafOf (e: Entry): bigint {
  let h = leaves.get(e)
  if (h === undefined) {
    const d = createHash('sha256').update(pack([LEAF_DOMAIN, e.version, e.key, e.value])).digest()
    h = (d.readBigUInt64BE(0) << 192n) | (d.readBigUInt64BE(8) << 128n) | (d.readBigUInt64BE(16) << 64n) | d.readBigUInt64BE(24)
    leaves.set(e, h)
  }
  return h
}

/** Adds (or with `sign` = -1, removes) an entry's leaf to a running sum, modulo 2^256. */
export function addLeaf (sum: bigint, e: Entry, sign: 1 | -1 = 1): bigint {
  return BigInt.asUintN(256, sign === 1 ? sum + leafOf(e) : sum - leafOf(e))
}

/** The ordered digest of live entries given in version order (tombstones skipped). */
export function digestOf (entries: Iterable<Entry>): Uint8Array {
  const h = createHash('sha256')
  for (const e of entries) {
    if (e.deleted) continue
    h.update(bigToBytes(leafOf(e)))
  }
  return new Uint8Array(h.digest())
}

export function bigToBytes (n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return out
}

export function bytesToBig (b: Uint8Array): bigint {
  let n = 0n
  for (const x of b) n = (n << 8n) | BigInt(x)
  return n
}

/** Why a signed thing was refused. */
export type StateRejection = 'bad-entry-signature' | 'bad-head-signature' | 'unexpected-signature' | 'head-mismatch'

/** Signs this node's writes and heads, and checks everyone else's. */
export class StateAuth {
  constructor (
    readonly self: NodeId,
    readonly policy: SignaturePolicy,
    private readonly identity: Identity | null,
    private readonly verifier: PeerVerifier
  ) {
    if (policy === 'StrictSign' && identity?.peerId !== self) {
      throw new UsageError('ERR_CONFIG', 'state.signaturePolicy StrictSign needs the node\'s Ed25519 identity, whose peer id is the node id; give one, or use StrictNoSign in a closed cluster')
    }
  }

  get signing (): boolean {
    return this.policy === 'StrictSign'
  }

  /** Signatures checked so far (memoised verdicts excluded). */
  get verified (): number {
    return this.verifier.checked
  }

  signEntry (generation: number, e: Omit<Entry, 'signature'>): Entry {
    if (!this.signing) return { ...e, signature: EMPTY }
    return { ...e, signature: signBytes(this.identity!, entryBytes(this.self, generation, e)) }
  }

  /** Why `e` is not `origin`'s (undefined: it is): a bad signature, or one where the policy wants none. */
  entryProblem (origin: NodeId, generation: number, e: Entry): StateRejection | undefined {
    if (!this.signing) return e.signature.length === 0 ? undefined : 'unexpected-signature'
    return this.verifier.verify(origin, entryBytes(origin, generation, e), e.signature) ? undefined : 'bad-entry-signature'
  }

  /** Why `h` is not `origin`'s head (undefined: it is). */
  headProblem (origin: NodeId, generation: number, h: Head): StateRejection | undefined {
    if (!this.signing) return h.signature.length === 0 ? undefined : 'unexpected-signature'
    return this.verifier.verify(origin, headBytes(origin, generation, h), h.signature) ? undefined : 'bad-head-signature'
  }

  signHead (generation: number, version: number, count: number, sum: bigint, digest: Uint8Array): Head {
    const h = { version, count, sum: bigToBytes(sum), digest, signature: EMPTY }
    if (!this.signing) return h
    return { ...h, signature: signBytes(this.identity!, headBytes(this.self, generation, h)) }
  }
}

/**
 * Signs a whole origin state at once (simulations that start from a shared map, tests): the entries
 * `raw`, versions 1..n in order, and the head of the last version.
 */
export function signSnapshot (auth: StateAuth, generation: number, raw: ReadonlyArray<Omit<Entry, 'signature'>>): { entries: Entry[], head: Head } {
  const entries = raw.map(e => auth.signEntry(generation, e))
  let sum = 0n
  let count = 0
  for (const e of entries) {
    if (e.deleted) continue
    sum = addLeaf(sum, e)
    count++
  }
  const version = entries.length === 0 ? 0 : entries[entries.length - 1]!.version
  return { entries, head: auth.signHead(generation, version, count, sum, digestOf(entries)) }
}

function entryBytes (origin: NodeId, generation: number, e: Omit<Entry, 'signature'>): Uint8Array {
  return pack([ENTRY_DOMAIN, origin, generation, e.version, e.deleted ? 1 : 0, e.key, e.value])
}

function headBytes (origin: NodeId, generation: number, h: Omit<Head, 'signature'>): Uint8Array {
  return pack([HEAD_DOMAIN, origin, generation, h.version, h.count, h.sum, h.digest])
}

/**
 * Fields in one buffer: numbers as 8-byte big-endian integers, strings (UTF-8) and bytes prefixed with
 * their 4-byte length, so no two different tuples pack to the same bytes.
 */
function pack (fields: ReadonlyArray<string | number | Uint8Array>): Buffer {
  let size = 0
  for (const f of fields) size += typeof f === 'number' ? 8 : 4 + (typeof f === 'string' ? Buffer.byteLength(f) : f.length)
  const out = Buffer.allocUnsafe(size)
  let at = 0
  for (const f of fields) {
    if (typeof f === 'number') {
      out.writeUInt32BE(Math.floor(f / 0x100000000), at)
      out.writeUInt32BE(f >>> 0, at + 4)
      at += 8
    } else if (typeof f === 'string') {
      const n = out.write(f, at + 4)
      out.writeUInt32BE(n, at)
      at += 4 + n
    } else {
      out.writeUInt32BE(f.length, at)
      out.set(f, at + 4)
      at += 4 + f.length
    }
  }
  return out
}
