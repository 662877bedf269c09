/**
 * A worker thread of the signature verification pool (./verify-pool.ts): receives batches of Ed25519
 * checks packed in one transferred buffer and answers each batch with one verdict byte per check.
 *
 * A batch: u32 count, then per check u32 signed length, the 32-byte public key, the 64-byte signature and
 * the signed bytes (all little-endian, no padding). Keys are cached as node:crypto key objects (bounded):
 * building one costs more than a verification.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

const SPKI_ED25519 = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
const MAX_KEYS = 4096
const keys = new Map<string, KeyObject>()

function keyOf (raw: Buffer): KeyObject {
  const id = raw.toString('latin1')
  let key = keys.get(id)
  if (key === undefined) {
    if (keys.size >= MAX_KEYS) keys.delete(keys.keys().next().value as string)
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' })
    keys.set(id, key)
  }
  return key
}

/** The verdicts of one packed batch. */
export function verifyBatch (buf: ArrayBuffer): Uint8Array<ArrayBuffer> {
  const view = new DataView(buf)
  const bytes = Buffer.from(buf)
  const count = view.getUint32(0, true)
  const verdicts = new Uint8Array(count)
  let at = 4
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at, true)
    const key = bytes.subarray(at + 4, at + 36)
    const sig = bytes.subarray(at + 36, at + 100)
    const signed = bytes.subarray(at + 100, at + 100 + len)
    at += 100 + len
    try {
      verdicts[i] = verify(null, signed, keyOf(key), sig) ? 1 : 0
    } catch {
      verdicts[i] = 0
    }
  }
  return verdicts
}

// Only in a thread the pool started (a grapevine node may itself run in some other worker thread).
if ((workerData as { grapevineVerify?: boolean } | null)?.grapevineVerify === true) parentPort?.on('message', (m: { id: number, buf: ArrayBuffer }) => {
  const verdicts = verifyBatch(m.buf)
  parentPort!.postMessage({ id: m.id, verdicts }, [verdicts.buffer])
})
