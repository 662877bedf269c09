/**
 * Ethereum devp2p transaction propagation (the `eth` protocol, versions 65 to 68), as a sans-IO core: a
 * simulator baseline for `grapevine sim paper web3`, never offered on the network. After the devp2p spec
 * (caps/eth.md, "Transaction Exchange"; EIP-2464 for eth/65, EIP-5793 for eth/68) and go-ethereum's
 * eth/handler.go and eth/fetcher/tx_fetcher.go:
 *   - a node with a new transaction sends it whole (`Transactions`, 0x02) to the square root of its peers
 *     that do not know it — ⌊√n⌋, as go-ethereum's `BroadcastTransactions` picked them, at random — and
 *     announces its hash (`NewPooledTransactionHashes`, 0x08; eth/68 adds each one's type and size) to all
 *     the others. Both go out at once (go-ethereum's per-peer broadcast and announce loops send as soon as
 *     the previous write is done).
 *   - an announced hash the node lacks waits txArriveTimeout = 500 ms for a broadcast copy, then is asked
 *     of one announcer, picked at random, with `GetPooledTransactions` (0x09, with a request id since
 *     eth/66); the answer is `PooledTransactions` (0x0a). A request unanswered for txFetchTimeout = 5 s, or
 *     answered without it, moves to another announcer.
 *   - what each peer knows is remembered for the last maxKnownTxs = 32,768 hashes (./inventory.ts); at most
 *     4,096 hashes per announcement and 256 per request (maxTxAnnounces, maxTxRetrievals).
 * Left out: pool admission (every transaction is valid and pays enough), blob transactions (never broadcast
 * whole since EIP-4844), and go-ethereum's batching of several hashes per request (one hash per request
 * here: at one transaction a second the difference is a few bytes of framing).
 * Sizes are the wire's: the message's RLP (a hash is 32 bytes; a transaction's encoding is the payload) and
 * a one-byte message code inside an RLPx frame (16-byte header and 16-byte header MAC, the frame padded to
 * 16 bytes, a 16-byte frame MAC). Snappy compression (eth/5+ of the p2p layer) is not applied: the payloads
 * here are incompressible, as signed transactions mostly are. The hop count a transaction carries is for
 * measurement only and is not counted.
 */
import { UsageError } from '../../core/errors.js'
import { FifoMap } from '../../core/fifo.js'
import type { Env, NodeId, WireProtocol, WireSpec } from '../../core/protocol.js'
import { SizedJsonCodec } from './codec.js'
import { KnownInventory, rlpListLength, rlpStringLength, rlpUintLength } from './inventory.js'

export interface EthTx { id: string, payload: Uint8Array, hop: number }

export type Devp2pMessage =
  | { kind: 'transactions', txs: EthTx[] }
  | { kind: 'announce', ids: string[], sizes: number[] }
  | { kind: 'get', requestId: number, ids: string[] }
  | { kind: 'pooled', requestId: number, txs: EthTx[] }

export type Devp2pTimer =
  | { kind: 'arrive', id: string }
  | { kind: 'timeout', id: string, requestId: number }

/** A transaction accepted: from a peer, or sent from here (`from` null, hop 0). */
export interface Devp2pDelivery { type: 'deliver', id: string, payload: Uint8Array, from: NodeId | null, hop: number }

export interface Devp2pConfig {
  txArriveTimeoutMs: number
  txFetchTimeoutMs: number
  knownMax: number
  maxAnnounce: number
  maxRetrievals: number
  /** Transactions kept to answer requests (the pool). */
  poolMax: number
  /** Announced hashes waiting or being fetched. */
  trackedMax: number
}

export const DEFAULT_DEVP2P: Devp2pConfig = {
  txArriveTimeoutMs: 500,
  txFetchTimeoutMs: 5_000,
  knownMax: 32_768,
  maxAnnounce: 4_096,
  maxRetrievals: 256,
  poolMax: 50_000,
  trackedMax: 50_000
}

export interface Devp2pStats {
  delivered: number
  /** Whole copies (broadcast or fetched) of transactions already had. */
  duplicates: number
  /** Transactions sent whole unasked (`Transactions`), and peers they went to. */
  pushed: number
  announced: number
  requests: number
  /** Requests that timed out or came back without the transaction, and moved to another announcer. */
  retries: number
  malformed: number
}

const HASH = rlpStringLength(32)

/** The RLPx frame around `data` bytes of message (code + RLP): header, header MAC, padding, frame MAC. */
function framed (data: number): number {
  return 32 + Math.ceil(data / 16) * 16 + 16
}

function txsLength (txs: EthTx[]): number {
  let n = 0
  for (const t of txs) n += rlpStringLength(t.payload.length)
  return n
}

export function devp2pMessageSize (m: Devp2pMessage): number {
  let rlp: number
  switch (m.kind) {
    case 'transactions':
      rlp = rlpListLength(txsLength(m.txs))
      break
    case 'announce': {
      let sizes = 0
      for (const s of m.sizes) sizes += rlpUintLength(s)
      rlp = rlpListLength(rlpStringLength(m.ids.length) + rlpListLength(sizes) + rlpListLength(HASH * m.ids.length))
      break
    }
    case 'get':
      rlp = rlpListLength(rlpUintLength(m.requestId) + rlpListLength(HASH * m.ids.length))
      break
    case 'pooled':
      rlp = rlpListLength(rlpUintLength(m.requestId) + rlpListLength(txsLength(m.txs)))
  }
  return framed(1 + rlp)
}

interface Fetch {
  announcers: NodeId[]
  tried: Set<NodeId>
  requested: NodeId | null
  requestId: number
}

export class Devp2pRelay implements WireProtocol<Devp2pMessage, Devp2pTimer> {
  readonly name: string
  readonly wire: WireSpec<Devp2pMessage>
  readonly config: Devp2pConfig
  readonly stats: Devp2pStats = { delivered: 0, duplicates: 0, pushed: 0, announced: 0, requests: 0, retries: 0, malformed: 0 }
  private readonly peers = new Set<NodeId>()
  private readonly pool: FifoMap<string, EthTx>
  private readonly fetching: FifoMap<string, Fetch>
  private readonly known: KnownInventory
  private seq = 0
  private requestIds = 0

  constructor (private readonly env: Env<Devp2pMessage, Devp2pTimer, Devp2pDelivery>, config: Partial<Devp2pConfig> = {}) {
    this.name = env.name
    this.config = { ...DEFAULT_DEVP2P, ...config }
    for (const [k, v] of Object.entries(this.config)) {
      if (typeof v !== 'number' || !(v >= 0)) throw new UsageError('ERR_CONFIG', `devp2p relay: ${k} must be a number ≥ 0 (got ${String(v)})`)
    }
    this.wire = { protocolIds: ['/grapevine/baseline-devp2p/1.0.0'], codec: new SizedJsonCodec(devp2pMessageSize), maxFrameBytes: 16 * 1024 * 1024 }
    this.pool = new FifoMap(this.config.poolMax)
    this.fetching = new FifoMap(this.config.trackedMax)
    this.known = new KnownInventory(this.config.knownMax)
  }

  /** Sends a new transaction of `payload` from here; returns its id. */
  broadcast (now: number, payload: Uint8Array): string {
    const id = `${this.env.id}/${this.seq++}`
    this.accept(now, { id, payload, hop: 0 }, null)
    return id
  }

  has (id: string): boolean {
    return this.pool.has(id)
  }

  start (): void {}

  onPeerUp (_now: number, peer: NodeId): void {
    this.peers.add(peer)
  }

  onPeerDown (now: number, peer: NodeId): void {
    this.peers.delete(peer)
    // Requests open to it fail now rather than at their timeout.
    for (const { key, value } of this.openTo(peer)) this.retry(now, key, value)
  }

  onTimer (now: number, t: Devp2pTimer): void {
    const f = this.fetching.get(t.id)
    if (f === undefined || this.pool.has(t.id)) return
    if (t.kind === 'arrive') {
      if (f.requested === null) this.request(now, t.id, f)
    } else if (f.requestId === t.requestId && f.requested !== null) {
      this.retry(now, t.id, f)
    }
  }

  onMessage (now: number, from: NodeId, msg: Devp2pMessage): void {
    if (!this.peers.has(from)) return
    switch (msg.kind) {
      case 'transactions':
        for (const tx of msg.txs) this.received(now, from, tx)
        return
      case 'pooled': {
        const got = new Set<string>()
        for (const tx of msg.txs) {
          got.add(tx.id)
          this.received(now, from, tx)
        }
        // Hashes asked of this peer in that request and not in the answer: ask someone else.
        for (const { key, value } of this.openTo(from)) if (value.requestId === msg.requestId && !got.has(key)) this.retry(now, key, value)
        return
      }
      case 'announce':
        if (msg.ids.length > this.config.maxAnnounce || msg.sizes.length !== msg.ids.length) return this.malformed(from, 'announcement')
        for (const id of msg.ids) this.announced(now, from, id)
        return
      case 'get': {
        if (msg.ids.length > this.config.maxRetrievals) return this.malformed(from, 'request')
        const txs: EthTx[] = []
        for (const id of msg.ids) {
          const tx = this.pool.get(id)
          if (tx !== undefined) txs.push({ id, payload: tx.payload, hop: tx.hop + 1 })
        }
        this.env.io.send(from, { kind: 'pooled', requestId: msg.requestId, txs })
      }
    }
  }

  onMalformed (): void {
    this.stats.malformed++
  }

  private malformed (from: NodeId, what: string): void {
    this.stats.malformed++
    this.env.io.report(from, 'disconnect', `oversized ${what}`)
  }

  private received (now: number, from: NodeId, tx: EthTx): void {
    this.known.add(tx.id, from)
    if (this.pool.has(tx.id)) {
      this.stats.duplicates++
      return
    }
    this.stats.delivered++
    this.accept(now, tx, from)
  }

  /** Pool it, deliver it, push it whole to ⌊√n⌋ of the peers that lack it and announce it to the rest. */
  private accept (_now: number, tx: EthTx, from: NodeId | null): void {
    this.pool.set(tx.id, { id: tx.id, payload: tx.payload, hop: tx.hop })
    this.fetching.delete(tx.id)
    this.env.io.emit({ type: 'deliver', id: tx.id, payload: tx.payload, from, hop: tx.hop })
    const without: NodeId[] = []
    for (const p of this.peers) if (p !== from && !this.known.has(tx.id, p)) without.push(p)
    const direct = Math.floor(Math.sqrt(without.length))
    this.env.rng.shuffle(without)
    const next = { id: tx.id, payload: tx.payload, hop: tx.hop + 1 }
    for (let i = 0; i < without.length; i++) {
      const p = without[i]!
      this.known.add(tx.id, p)
      if (i < direct) {
        this.stats.pushed++
        this.env.io.send(p, { kind: 'transactions', txs: [next] })
      } else {
        this.stats.announced++
        this.env.io.send(p, { kind: 'announce', ids: [tx.id], sizes: [tx.payload.length] })
      }
    }
  }

  private announced (now: number, from: NodeId, id: string): void {
    this.known.add(id, from)
    if (this.pool.has(id)) return
    const f = this.fetching.get(id)
    if (f !== undefined) {
      if (!f.announcers.includes(from)) f.announcers.push(from)
      return
    }
    this.fetching.set(id, { announcers: [from], tried: new Set(), requested: null, requestId: -1 })
    this.env.io.setTimer(now + this.config.txArriveTimeoutMs, { kind: 'arrive', id })
  }

  private request (now: number, id: string, f: Fetch): void {
    const candidates = f.announcers.filter(p => !f.tried.has(p) && this.peers.has(p))
    if (candidates.length === 0) {
      this.fetching.delete(id) // nobody left to ask: forgotten until announced again
      return
    }
    const peer = this.env.rng.pick(candidates)
    f.requested = peer
    f.requestId = this.requestIds++
    this.stats.requests++
    this.env.io.send(peer, { kind: 'get', requestId: f.requestId, ids: [id] })
    this.env.io.setTimer(now + this.config.txFetchTimeoutMs, { kind: 'timeout', id, requestId: f.requestId })
  }

  private retry (now: number, id: string, f: Fetch): void {
    if (f.requested === null) return
    this.stats.retries++
    f.tried.add(f.requested)
    f.requested = null
    this.request(now, id, f)
  }

  /** The fetches waiting on an answer from `peer`. */
  private openTo (peer: NodeId): Array<{ key: string, value: Fetch }> {
    const out: Array<{ key: string, value: Fetch }> = []
    for (const [key, value] of this.fetching.entries()) if (value.requested === peer) out.push({ key, value })
    return out
  }
}
