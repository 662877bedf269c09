/**
 * What both drivers do with a wire protocol's messages: encode a message object once however many peers it
 * goes to (a forward to a whole mesh is one object), and turn a peer's frame into a message or into the
 * `PeerError` that `onMalformed` receives — never an exception.
 */
import { PeerError } from './errors.js'
import type { Codec, WireSpec } from './protocol.js'

export class MessageEncoder {
  /** Encodings of message objects, kept while the object lives. */
  private readonly encoded = new WeakMap<object, Uint8Array>()

  encode<M> (codec: Codec<M>, msg: M): Uint8Array {
    const key = typeof msg === 'object' && msg !== null ? msg : undefined
    let bytes = key !== undefined ? this.encoded.get(key) : undefined
    if (bytes === undefined) {
      bytes = codec.encode(msg)
      if (key !== undefined) this.encoded.set(key, bytes)
    }
    return bytes
  }
}

/** Decodes one frame of `wire`: the message, or the PeerError its oversized or undecodable bytes make. */
export function decodeFrame<M> (wire: WireSpec<M>, bytes: Uint8Array): M | PeerError {
  if (bytes.length > wire.maxFrameBytes) return oversize(bytes.length, wire.maxFrameBytes)
  try {
    return wire.codec.decode(bytes)
  } catch (err) {
    return err instanceof PeerError ? err : new PeerError('ERR_DECODE', String(err), { cause: err })
  }
}

export function oversize (length: number, max: number): PeerError {
  return new PeerError('ERR_FRAME_TOO_LARGE', `frame of ${length} bytes exceeds ${max}`)
}
