// Signature verification in worker threads (src/net/verify-pool.ts): verdicts, copies checked once, a dead
// worker's checks made anyway, saturation; and on the network, a subscriber whose checks run in the pool
// delivers a peer's messages in the order they were sent and rejects the forged one among them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { identityFromSeed, signBytes } from '../../src/core/identity.js'
import type { SignatureCheck } from '../../src/core/protocol.js'
import { waitUntil } from '../../src/agent/cluster.js'
import { RpcCodec } from '../../src/gossipsub/codec.js'
import { seqnoBytes, signMessage } from '../../src/gossipsub/signing.js'
import { encodeFrame } from '../../src/net/frames.js'
import { VerifyPool } from '../../src/net/verify-pool.js'
import type { RPC } from '../../src/wire/rpc.js'
import { noopIo } from '../../src/core/io.js'
import { Rng } from '../../src/core/rng.js'
import { GossipSub, type GossipSubEvent } from '../../src/gossipsub/gossipsub.js'
import { createNode } from '../../src/net/create-node.js'
import { loopbackHost, seedOf } from './helpers.js'

const author = identityFromSeed(seedOf(61))

function checkOf (text: string, tamper = false): SignatureCheck {
  const signed = new TextEncoder().encode(text)
  const signature = signBytes(author, signed)
  if (tamper) signature[0] = signature[0]! ^ 1
  return { publicKey: author.publicKey, signed, signature, subject: {} }
}

test('GossipSub offload (StrictSign): one check per message not seen yet, and the core acts on the verdict given', () => {
  const events: GossipSubEvent[] = []
  const core = new GossipSub({ id: 'me', name: 'gossipsub', rng: new Rng(1), io: noopIo({ emit: e => events.push(e) }) }, identityFromSeed(seedOf(64)), {})
  const offload = core.wire.offload!
  assert.ok(offload !== undefined)
  core.subscribe(0, 't')
  const peer = identityFromSeed(seedOf(65))
  core.onPeerUp(0, peer.peerId, { outbound: true })
  const msgs = [1, 2, 3].map(i => signMessage(author, 't', new TextEncoder().encode(`x${i}`), seqnoBytes(BigInt(i))))
  msgs[2]!.data = new TextEncoder().encode('forged')
  const rpc: RPC = { subscriptions: [], messages: msgs }
  const checks = offload.checksOf(peer.peerId, rpc)
  assert.equal(checks.length, 3)
  // Verdicts given: message 1 good; message 2 said bad (although its signature is good); message 3 said
  // good (although forged): the core takes the verdicts as given, so it checked none itself.
  offload.settle(checks[0]!, true)
  offload.settle(checks[1]!, false)
  offload.settle(checks[2]!, true)
  core.onMessage(1, peer.peerId, rpc)
  const delivered = events.filter(e => e.type === 'message').map(e => new TextDecoder().decode((e as { data: Uint8Array }).data))
  assert.deepEqual(delivered, ['x1', 'forged'])
  assert.equal(core.stats.rejected, 1)
  // Seen now: no checks for copies.
  assert.equal(offload.checksOf(peer.peerId, { subscriptions: [], messages: [msgs[0]!] }).length, 0)
  // StrictNoSign offloads nothing.
  const unsigned = new GossipSub({ id: 'me', name: 'gossipsub', rng: new Rng(1), io: noopIo() }, null, { signaturePolicy: 'StrictNoSign' })
  assert.equal(unsigned.wire.offload, undefined)
})

const verdict = async (pool: VerifyPool, c: SignatureCheck): Promise<boolean> => await new Promise(resolve => pool.verify(c, resolve))

test('verification pool: right verdicts from 2 workers; a copy in flight or just checked is not checked again', async () => {
  const pool = new VerifyPool(2)
  try {
    assert.equal(pool.size, 2)
    const checks = Array.from({ length: 300 }, (_, i) => checkOf(`message ${i}`, i % 7 === 3))
    const got = await Promise.all(checks.map(c => verdict(pool, c)))
    assert.deepEqual(got, checks.map((_, i) => i % 7 !== 3))
    assert.equal(pool.stats.checks, 300)
    assert.equal(pool.stats.bad, checks.filter((_, i) => i % 7 === 3).length)
    assert.ok(pool.stats.batches >= 2, `batched: ${pool.stats.batches} batches`)
    // The same bytes again (a copy from another peer): answered without a check, in flight or after.
    const c = checkOf('copied')
    const both = await Promise.all([verdict(pool, c), verdict(pool, { ...c, subject: {} })])
    assert.deepEqual(both, [true, true])
    assert.equal(await verdict(pool, { ...c, subject: {} }), true)
    assert.equal(pool.stats.checks, 301)
    assert.equal(pool.stats.reused, 2)
    // Same signature, other bytes (a forgery reusing a signature): checked on its own.
    assert.equal(await verdict(pool, { ...c, signed: new TextEncoder().encode('forged') }), false)
    assert.equal(pool.pending, 0)
  } finally {
    await pool.close()
  }
})

test('verification pool: threads start with the first check and stop when idle', async () => {
  const pool = new VerifyPool(2, { idleMs: 200 })
  try {
    assert.equal(pool.running, 0, 'no thread before any check')
    assert.equal(await verdict(pool, checkOf('first')), true)
    assert.equal(pool.running, 2)
    await waitUntil('the threads stopped when idle', () => pool.running === 0)
    assert.equal(await verdict(pool, checkOf('again')), true)
    assert.equal(await verdict(pool, checkOf('again, forged', true)), false)
    assert.equal(pool.running, 2)
    assert.equal(pool.stats.workerErrors, 0, 'stopping idle threads is no failure')
  } finally {
    await pool.close()
  }
})

test('verification pool: a worker that dies has its checks made on the event loop and is replaced; a saturated pool checks at once', async () => {
  const pool = new VerifyPool(1, { maxPending: 50 })
  try {
    const checks = Array.from({ length: 200 }, (_, i) => checkOf(`crash ${i}`, i === 10 || i === 150))
    const all = Promise.all(checks.map(c => verdict(pool, c)))
    assert.equal(pool.saturated, true)
    assert.equal(pool.stats.saturations, 1)
    assert.equal(pool.stats.overflow, 150, 'past 50 pending, checked on the event loop at once')
    assert.equal(pool.pending, 50)
    let room = false
    pool.onRoom(() => { room = true })
    // Kill the worker while its batch is in flight.
    await new Promise(resolve => setImmediate(resolve))
    const slots = (pool as unknown as { slots: Array<{ worker: { terminate: () => Promise<number> } }> }).slots
    await slots[0]!.worker.terminate()
    const got = await all
    assert.deepEqual(got, checks.map((_, i) => i !== 10 && i !== 150))
    assert.equal(room, true)
    assert.ok(pool.stats.workerErrors >= 1)
    assert.ok(pool.stats.inline > 0, 'the dead worker\'s checks were made inline')
    await waitUntil('a replacement worker', () => pool.running === 1)
    assert.equal(await verdict(pool, checkOf('after the crash')), true)
  } finally {
    await pool.close()
  }
})

test('verification pool on the network: a peer\'s 300 signed messages delivered in the order sent, the forged one rejected', { timeout: 60_000 }, async () => {
  const topic = 'ordered'
  const b = await createNode({ seed: seedOf(62), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false, verifyWorkers: 1 })
  // A small pool of b's own, so that it saturates (and checks the rest on the event loop).
  const shared = b.driver.verifyPool
  const pool = new VerifyPool(1, { maxPending: 16 })
  b.driver.verifyPool = pool
  const sender = await loopbackHost(63, () => ({}))
  const me = identityFromSeed(seedOf(63))
  try {
    const seen: string[] = []
    const sub = b.pubsub.join(topic).subscribe()
    void (async () => { for await (const m of sub) seen.push(new TextDecoder().decode(m.data)) })()
    const stream = await sender.dialProtocol(b.libp2p.getMultiaddrs()[0]!, '/meshsub/1.1.0')
    const codec = new RpcCodec()
    const messages: RPC.Message[] = []
    for (let i = 1; i <= 300; i++) {
      const m = signMessage(me, topic, new TextEncoder().encode(`m${i}`), seqnoBytes(BigInt(i)))
      if (i === 150) m.data = new TextEncoder().encode('forged') // the signature no longer covers the data
      messages.push(m)
    }
    // A few messages per frame, as a busy peer batches them.
    for (let i = 0; i < messages.length; i += 3) stream.send(encodeFrame(codec.encode({ subscriptions: [], messages: messages.slice(i, i + 3) })))
    const want = messages.map((_, i) => `m${i + 1}`).filter(m => m !== 'm150')
    await waitUntil('b delivered the 299 good messages', () => seen.length >= 299)
    assert.deepEqual(seen, want, 'in the order sent')
    assert.equal(pool.stats.checks, 300, 'the pool checked each once')
    assert.equal(pool.stats.bad, 1)
    assert.ok(pool.stats.overflow > 0 && pool.stats.overflow < 300, `some checked on the event loop while the pool was saturated: ${pool.stats.overflow}`)
    assert.equal(b.info().pubsubStats.rejected, 1)
  } finally {
    await sender.stop()
    b.driver.verifyPool = shared
    await b.stop()
    await pool.close()
  }
})

test('verification pool on the network: a stream with 16,384 messages waiting is paused; verdicts that come after it closed are harmless', { timeout: 60_000 }, async () => {
  const topic = 'late'
  const b = await createNode({ seed: seedOf(66), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false, verifyWorkers: 1 })
  // A pool that holds every check until told.
  const held: Array<() => void> = []
  const holding = { size: 1, verify (_c: SignatureCheck, done: (ok: boolean) => void) { held.push(() => done(true)) } }
  const shared = b.driver.verifyPool
  b.driver.verifyPool = holding as unknown as VerifyPool
  const sender = await loopbackHost(67, () => ({}))
  const me = identityFromSeed(seedOf(67))
  try {
    b.pubsub.join(topic).subscribe()
    const stream = await sender.dialProtocol(b.libp2p.getMultiaddrs()[0]!, '/meshsub/1.1.0')
    const codec = new RpcCodec()
    const frames = Array.from({ length: 16_500 }, (_, i) => encodeFrame(codec.encode({ subscriptions: [], messages: [signMessage(me, topic, new TextEncoder().encode(`m${i}`), seqnoBytes(BigInt(i + 1)))] })))
    for (let i = 0; i < frames.length; i += 100) stream.send(Buffer.concat(frames.slice(i, i + 100)))
    await waitUntil('the stream paused', () => b.driver.stats.verifyPauses === 1)
    assert.ok(held.length >= 16_384, `paused once 16,384 waited: ${held.length}`)
    await sender.stop()
    await waitUntil('b saw the connection close', () => b.libp2p.getConnections().length === 0)
  } finally {
    await sender.stop()
    b.driver.verifyPool = shared
    await b.stop()
  }
  // The verdicts: nothing throws (a closed stream is not resumed).
  for (const f of held) f()
})
