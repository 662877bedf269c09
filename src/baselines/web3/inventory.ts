/**
 * What each peer is known to have, for the announce-then-fetch baselines (./bitcoin.ts, ./devp2p.ts): a
 * bounded table from message id to a bit set over the node's peers. Bitcoin Core keeps one rolling Bloom
 * filter of 50,000 entries per peer (`m_tx_inventory_known_filter`, net_processing.cpp); go-ethereum keeps
 * a set of at most 32,768 hashes per peer (`maxKnownTxs`, eth/protocols/eth/peer.go). Here one table per
 * node holds, for its most recent `limit` ids, which peers have sent or been sent each: the same bound per
 * peer, with one entry per id instead of one per (peer, id). The oldest id is forgotten first.
 */
import { FifoMap } from '../../core/fifo.js'
import type { NodeId } from '../../core/protocol.js'

export class KnownInventory {
  private readonly slots = new Map<NodeId, number>()
  private nextSlot = 0
  private readonly known: FifoMap<string, number[]>

  constructor (readonly limit: number) {
    this.known = new FifoMap(limit)
  }

  /** A peer's slot; slots are never reused, so a new peer inherits no stale bits. */
  private slot (peer: NodeId): number {
    let s = this.slots.get(peer)
    if (s === undefined) {
      s = this.nextSlot++
      this.slots.set(peer, s)
    }
    return s
  }

  /** Records that `peer` has `id` (it announced or sent it, or we announced or sent it to it). */
  add (id: string, peer: NodeId): void {
    const s = this.slot(peer)
    let bits = this.known.get(id)
    if (bits === undefined) {
      bits = []
      this.known.set(id, bits)
    }
    const w = s >>> 5
    while (bits.length <= w) bits.push(0)
    bits[w]! |= 1 << (s & 31)
  }

  has (id: string, peer: NodeId): boolean {
    const bits = this.known.get(id)
    if (bits === undefined) return false
    const s = this.slots.get(peer)
    if (s === undefined) return false
    const w = s >>> 5
    return w < bits.length && (bits[w]! & (1 << (s & 31))) !== 0
  }

  get size (): number {
    return this.known.size
  }
}

/** Bitcoin's CompactSize length prefix (1, 3, 5 or 9 bytes). */
export function compactSizeLength (n: number): number {
  return n < 253 ? 1 : n <= 0xffff ? 3 : n <= 0xffffffff ? 5 : 9
}

/** RLP: the encoded length of a byte string of `n` bytes (whose first byte is ≥ 0x80 when n = 1). */
export function rlpStringLength (n: number): number {
  return n <= 55 ? 1 + n : 1 + byteLength(n) + n
}

/** RLP: the encoded length of a list whose items take `payload` bytes. */
export function rlpListLength (payload: number): number {
  return payload <= 55 ? 1 + payload : 1 + byteLength(payload) + payload
}

/** RLP: the encoded length of an unsigned integer. */
export function rlpUintLength (v: number): number {
  return v < 128 ? 1 : 1 + byteLength(v)
}

function byteLength (v: number): number {
  let n = 0
  while (v > 0) {
    n++
    v = Math.floor(v / 256)
  }
  return n
}
