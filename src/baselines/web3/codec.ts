/**
 * The baselines' codec: the simulator counts each message at its exact size on the real wire (Bitcoin's
 * P2P framing, devp2p's RLP inside RLPx frames: see `size` in ./bitcoin.ts and ./devp2p.ts), and runs them
 * with the codec off, as the broadcast and pub/sub scenarios do. `encode` / `decode` are a JSON stand-in so
 * the simulator's codec-on mode still works (byte counts are then JSON's, not the wire's): these baselines
 * are measuring sticks, never offered on the network.
 */
import { PeerError } from '../../core/errors.js'
import type { Codec } from '../../core/protocol.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export class SizedJsonCodec<M> implements Codec<M> {
  constructor (private readonly wireSize: (msg: M) => number) {}

  encode (msg: M): Uint8Array {
    return encoder.encode(JSON.stringify(msg, (_k, v: unknown) => v instanceof Uint8Array ? { $bytes: Array.from(v) } : v))
  }

  decode (bytes: Uint8Array): M {
    try {
      return JSON.parse(decoder.decode(bytes), (_k, v: unknown) => {
        if (v !== null && typeof v === 'object' && Array.isArray((v as { $bytes?: unknown }).$bytes)) return Uint8Array.from((v as { $bytes: number[] }).$bytes)
        return v
      }) as M
    } catch (e) {
      throw new PeerError('ERR_DECODE', `baseline message: ${(e as Error).message}`)
    }
  }

  size (msg: M): number {
    return this.wireSize(msg)
  }
}
