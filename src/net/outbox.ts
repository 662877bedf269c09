/**
 * Per-peer send queues of the network driver (ARCHITECTURE.md, "The network driver"): one per peer and wire
 * protocol, bounded in bytes, honouring the stream's back-pressure.
 *
 * A frame is accepted while the peer's queue (frames not yet handed to the stream, plus the stream's own
 * write buffer) holds fewer than `maxQueuedBytes`; otherwise it is refused (`send` returns false, counted
 * `refusedQueueFull`). An accepted frame is written unless the stream cannot be opened or the connection
 * dies, and those are counted as lost with their reason. Frames go out in batches (those of one event-loop
 * turn, at most BATCH_BYTES each: one encryption, one write); when `stream.send()` returns false the
 * transport is full, and nothing more is written until the stream's 'drain' event. Whoever waits for room
 * (`onRoom`) is called once the queue is below its bound again, or gone.
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'

/** A length prefix and the encoded message, kept apart so the message is never copied before the batch. */
export interface Frame { header: Uint8Array, body: Uint8Array }

const frameLength = (f: Frame): number => f.header.length + f.body.length

/** A batch is written at the end of the event-loop turn, or at once when it reaches this size. */
const BATCH_BYTES = 256 * 1024

export interface OutboxStats {
  framesOut: number
  /** Writes to streams (each carries up to 256 KiB of frames). */
  batchesOut: number
  bytesOut: number
  /** Frames refused because the peer's queue was full (the core was told: `send` returned false). */
  refusedQueueFull: number
  /** Accepted frames lost because no stream could be opened to the peer. */
  lostDialFailed: number
  /** Accepted frames lost because the connection or the stream closed before they were written. */
  lostClosed: number
  /** Accepted frames lost because the stream failed while they were written. */
  lostWriteFailed: number
  /** Times the stream said its transport was full (`send()` returned false) and writing paused until 'drain'. */
  drainWaits: number
}

export type LossReason = 'lostDialFailed' | 'lostClosed' | 'lostWriteFailed'

export class Channel {
  out: Stream | null = null
  opening = false
  /** Frames accepted and not yet handed to the stream: `frames[head..]`. */
  private frames: Array<Frame | undefined> = []
  private head = 0
  /** Bytes in `frames[head..]`. */
  pending = 0
  /** The stream's transport is full: wait for 'drain'. */
  blocked = false
  scheduled = false
  /** Who waits for room, and for how many bytes. */
  readonly waiters = new Map<() => void, number>()

  get count (): number {
    return this.frames.length - this.head
  }

  /** Bytes waiting: ours, and those in the stream's write buffer. */
  get queuedBytes (): number {
    return this.pending + (this.out?.writeBufferLength ?? 0)
  }

  push (f: Frame): void {
    this.frames.push(f)
    this.pending += frameLength(f)
  }

  /** Takes frames up to `bytes` (at least one). */
  take (bytes: number, into: Uint8ArrayList): number {
    let n = 0
    while (this.head < this.frames.length && (n === 0 || into.byteLength < bytes)) {
      const f = this.frames[this.head]!
      this.frames[this.head++] = undefined
      into.append(f.header, f.body)
      this.pending -= frameLength(f)
      n++
    }
    if (this.head === this.frames.length) {
      this.frames = []
      this.head = 0
    } else if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head)
      this.head = 0
    }
    return n
  }

  /** Drops every frame not yet written; returns how many. */
  clear (): number {
    const n = this.count
    this.frames = []
    this.head = 0
    this.pending = 0
    return n
  }
}

export class Outbox {
  private readonly channels = new Map<string, Channel>()

  constructor (private readonly maxQueuedBytes: number, private readonly stats: OutboxStats & { dropped: number }, private readonly onError: (err: unknown) => void) {}

  get (peer: string): Channel | undefined {
    return this.channels.get(peer)
  }

  /** Bytes waiting for all peers together (read by the metrics at scrape time). */
  get queuedBytes (): number {
    let n = 0
    for (const ch of this.channels.values()) n += ch.queuedBytes
    return n
  }

  room (peer: string): number {
    const ch = this.channels.get(peer)
    return this.maxQueuedBytes - (ch?.queuedBytes ?? 0)
  }

  /** Queues `frame` for `peer`; false (counted) when the queue is full. `open` is called when the channel needs a stream. */
  enqueue (peer: string, frame: Frame, open: (ch: Channel) => void): boolean {
    let ch = this.channels.get(peer)
    if (ch === undefined) this.channels.set(peer, ch = new Channel())
    if (ch.queuedBytes >= this.maxQueuedBytes) {
      this.stats.refusedQueueFull++
      this.stats.dropped++
      return false
    }
    ch.push(frame)
    if (ch.out !== null && ch.out.status === 'open') {
      if (ch.blocked) return true
      if (ch.pending >= BATCH_BYTES) this.flush(ch)
      else if (!ch.scheduled) {
        ch.scheduled = true
        setImmediate(() => this.flush(ch))
      }
    } else if (!ch.opening) {
      ch.out = null
      ch.opening = true
      open(ch)
    }
    return true
  }

  /** The stream opened for `ch`: write what waited for it, and follow its back-pressure and its end. */
  attach (ch: Channel, stream: Stream): void {
    ch.out = stream
    ch.blocked = false
    stream.addEventListener('drain', () => {
      if (ch.out !== stream) return
      ch.blocked = false
      this.flush(ch)
    })
    // The stream's write buffer emptied: room for waiters even if the transport never said it was full.
    stream.addEventListener('idle', () => { if (ch.out === stream) this.wake(ch) })
    stream.addEventListener('close', () => {
      if (ch.out !== stream) return
      ch.out = null
      ch.blocked = false
      this.lose(ch, 'lostClosed')
    })
    this.flush(ch)
  }

  /** Calls `fn` once `peer`'s queue has room for `bytes` (at once if it has); returns a canceller. */
  onRoom (peer: string, bytes: number, fn: () => void): () => void {
    const ch = this.channels.get(peer)
    if (ch === undefined || this.maxQueuedBytes - ch.queuedBytes >= Math.min(bytes, this.maxQueuedBytes)) {
      queueMicrotask(fn)
      return () => {}
    }
    ch.waiters.set(fn, bytes)
    return () => ch.waiters.delete(fn)
  }

  /** Writes what is queued, batch by batch, until the queue is empty or the transport full. */
  flush (ch: Channel): void {
    ch.scheduled = false
    const s = ch.out
    if (s === null || s.status !== 'open') return
    while (!ch.blocked && ch.count > 0) {
      const batch = new Uint8ArrayList()
      const n = ch.take(BATCH_BYTES, batch)
      this.stats.batchesOut++
      this.stats.framesOut += n
      this.stats.bytesOut += batch.byteLength
      try {
        // One contiguous buffer: the muxer and the encryption then work per batch, not per frame.
        if (!s.send(batch.subarray())) {
          ch.blocked = true
          this.stats.drainWaits++
        }
      } catch {
        // The stream closed under us (the peer reset it): this batch and the rest are lost; a new stream next time.
        this.stats.framesOut -= n
        this.stats.lostWriteFailed += n
        this.stats.dropped += n
        s.abort(new Error('write failed'))
        ch.out = null
        ch.blocked = false
        this.lose(ch, 'lostClosed')
        return
      }
    }
    this.wake(ch)
  }

  /** Accepted frames that will never be written: counted by reason; waiters are woken. */
  lose (ch: Channel, reason: LossReason): void {
    const n = ch.clear()
    this.stats[reason] += n
    this.stats.dropped += n
    this.wake(ch)
  }

  /** The peer is gone: its queue is lost (counted) and forgotten. */
  close (peer: string, reason: LossReason): void {
    const ch = this.channels.get(peer)
    if (ch === undefined) return
    this.channels.delete(peer)
    const out = ch.out
    ch.out = null
    out?.abort(new Error('peer disconnected'))
    this.lose(ch, reason)
    for (const w of ch.waiters.keys()) this.call(w)
    ch.waiters.clear()
  }

  /** Every queue lost (the driver stops). */
  closeAll (reason: LossReason): void {
    for (const peer of [...this.channels.keys()]) this.close(peer, reason)
  }

  private wake (ch: Channel): void {
    if (ch.waiters.size === 0) return
    const room = this.maxQueuedBytes - ch.queuedBytes
    for (const [w, bytes] of [...ch.waiters]) {
      if (room < Math.min(bytes, this.maxQueuedBytes)) continue
      ch.waiters.delete(w)
      this.call(w)
    }
  }

  private call (fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.onError(err)
    }
  }
}
