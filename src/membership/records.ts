/**
 * Signed address records. Each node signs its own record — (peer id, sequence number, addresses) — with
 * its Ed25519 key, and HyParView carries records instead of bare addresses, so a node believes what a peer
 * says about a third party's addresses only with that third party's signature: a neighbour can still name
 * peers, but not point a real peer's id at an address of its choosing. A larger `seq` replaces a smaller
 * one (a restarted node signs anew with a larger number).
 *
 * The signed bytes: a domain tag, then seq (8 bytes, big-endian), the id and each address, each with a
 * 2-byte length. A verdict is remembered per peer (bounded), so a record seen again costs a comparison,
 * not a signature check. Nodes in one process share one checker unless given their own: a verdict is a
 * pure function of the bytes, so sharing changes no outcome, only the CPU spent (a simulator's nodes all
 * see the same records).
 */
import { FifoMap } from '../core/fifo.js'
import { PeerVerifier, signBytes, type Identity } from '../core/identity.js'
import type { NodeId } from '../core/protocol.js'
import type { PeerInfo } from './messages.js'

const DOMAIN = new TextEncoder().encode('grapevine/membership/peer-record\n')
export const SIGNATURE_BYTES = 64

/** The bytes a peer signs for its record. */
export function recordBytes (id: NodeId, seq: number, addrs: readonly Uint8Array[]): Uint8Array {
  const idBytes = new TextEncoder().encode(id)
  let n = DOMAIN.length + 8 + 2 + idBytes.length
  for (const a of addrs) n += 2 + a.length
  const out = new Uint8Array(n)
  const view = new DataView(out.buffer)
  out.set(DOMAIN, 0)
  let o = DOMAIN.length
  view.setUint32(o, Math.floor(seq / 0x100000000))
  view.setUint32(o + 4, seq >>> 0)
  o += 8
  for (const part of [idBytes, ...addrs]) {
    view.setUint16(o, part.length)
    out.set(part, o + 2)
    o += 2 + part.length
  }
  return out
}

/** `identity`'s signed record of its addresses. */
export function signRecord (identity: Identity, seq: number, addrs: readonly Uint8Array[]): PeerInfo {
  return { id: identity.peerId, addrs, seq, signature: signBytes(identity, recordBytes(identity.peerId, seq, addrs)) }
}

export type RecordVerdict = 'ok' | 'unsigned' | 'forged'

/** Checks records against their peers' keys, remembering the last good record of each peer. */
export class RecordChecker {
  private readonly good: FifoMap<NodeId, PeerInfo>

  constructor (private readonly verifier: PeerVerifier, maxRemembered = 4096) {
    this.good = new FifoMap(maxRemembered)
  }

  check (p: PeerInfo): RecordVerdict {
    if (p.signature === undefined) return 'unsigned'
    const known = this.good.get(p.id)
    if (known !== undefined && same(known, p)) return 'ok'
    if (!this.verifier.verify(p.id, recordBytes(p.id, p.seq ?? 0, p.addrs), p.signature)) return 'forged'
    // Copies: decoded bytes are views of a whole frame, which the cache must not keep alive.
    this.good.set(p.id, { id: p.id, seq: p.seq ?? 0, addrs: p.addrs.map(x => x.slice()), signature: p.signature.slice() })
    return 'ok'
  }
}

/** The same record: seq, addresses and signature. */
function same (a: PeerInfo, b: PeerInfo): boolean {
  if (a.seq !== (b.seq ?? 0) || a.addrs.length !== b.addrs.length || !equal(a.signature!, b.signature!)) return false
  for (let i = 0; i < a.addrs.length; i++) if (!equal(a.addrs[i]!, b.addrs[i]!)) return false
  return true
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

let shared: RecordChecker | undefined

/** The checker the nodes of this process share (bounded: the last good records of 16,384 peers). */
export function sharedRecordChecker (): RecordChecker {
  return shared ??= new RecordChecker(new PeerVerifier({ maxKeys: 16_384 }), 16_384)
}
