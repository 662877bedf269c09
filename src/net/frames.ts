/**
 * Length-prefixed frames on a byte stream (libp2p's convention: an unsigned varint length, then that many
 * bytes), with a size limit. The decoder is incremental (bytes arrive in arbitrary chunks) and never
 * throws on peer input: an oversized frame is skipped byte-exactly and reported, so the stream stays in
 * sync; a length prefix that is not a valid varint is reported as fatal (the stream cannot resync).
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { varintLength } from '../core/bytes.js'

export type FrameEvent =
  | { kind: 'frame', bytes: Uint8Array }
  | { kind: 'oversize', length: number }
  | { kind: 'fatal', reason: string }

/** The varint length prefix of a `length`-byte frame. */
export function frameHeader (length: number): Uint8Array {
  const out = new Uint8Array(varintLength(length))
  let n = length
  let i = 0
  while (n >= 0x80) {
    out[i++] = (n & 0x7f) | 0x80
    n = Math.floor(n / 128)
  }
  out[i] = n
  return out
}

/** `payload` with its varint length prefix. */
export function encodeFrame (payload: Uint8Array): Uint8Array {
  const header = frameHeader(payload.length)
  const out = new Uint8Array(header.length + payload.length)
  out.set(header)
  out.set(payload, header.length)
  return out
}

export class FrameDecoder {
  private readonly buf = new Uint8ArrayList()
  /** Bytes of an oversized frame still to skip. */
  private skip = 0
  private dead = false

  constructor (readonly maxFrameBytes: number) {}

  /** Feeds a chunk; yields what it completes. After a `fatal`, everything is ignored. */
  * push (chunk: Uint8Array | Uint8ArrayList): Generator<FrameEvent> {
    if (this.dead) return
    this.buf.append(chunk)
    while (true) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.byteLength)
        this.buf.consume(n)
        this.skip -= n
        if (this.skip > 0) return
      }
      // Read the varint length prefix (at most 5 bytes: lengths up to 2^35 − 1).
      let length = 0
      let shift = 1
      let i = 0
      let complete = false
      while (i < this.buf.byteLength && i < 5) {
        const b = this.buf.get(i++)
        length += (b & 0x7f) * shift
        shift *= 128
        if ((b & 0x80) === 0) {
          complete = true
          break
        }
      }
      if (!complete) {
        if (i >= 5) {
          this.dead = true
          yield { kind: 'fatal', reason: 'length prefix is not a varint of at most 5 bytes' }
        }
        return
      }
      if (length > this.maxFrameBytes) {
        this.buf.consume(i)
        this.skip = length
        yield { kind: 'oversize', length }
        continue
      }
      if (this.buf.byteLength < i + length) return
      const bytes = this.buf.subarray(i, i + length)
      this.buf.consume(i + length)
      yield { kind: 'frame', bytes }
    }
  }

  /** Whether the rest of an oversized frame is still being skipped. */
  get skipping (): boolean {
    return this.skip > 0
  }

  /** Bytes buffered for an incomplete frame. */
  get buffered (): number {
    return this.buf.byteLength
  }
}
