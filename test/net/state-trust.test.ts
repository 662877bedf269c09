// Authenticated state on the real network (ARCHITECTURE.md, "Authenticated state"): a stranger — a libp2p
// identity that is no member and joined through nobody — sends state frames claiming another node's
// origin. Forged entries, a forged generation reset, genuine entries replayed as newer, genuine entries
// with altered values: each refused and counted at the victim, the stranger penalised, the victim runs on
// and ends with exactly the owner's entries.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { waitUntil } from '../../src/agent/cluster.js'
import { PeerVerifier, identityFromSeed } from '../../src/core/identity.js'
import { encodeFrame } from '../../src/net/frames.js'
import { createNode } from '../../src/net/create-node.js'
import { StateAuth, type StateRejection } from '../../src/state/auth.js'
import { StateCodec } from '../../src/state/codec.js'
import type { Entry, OriginDelta } from '../../src/state/messages.js'
import { stateSignature } from '../../src/scenarios/state.js'

const listen = ['/ip4/127.0.0.1/tcp/0']
const STATE = '/grapevine/state/2.0.0'
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

test('a stranger forging, resetting, replaying and altering another node\'s state: refused, counted, penalised, nothing lost', { timeout: 60_000 }, async () => {
  const owner = await createNode({ listen, seed: new Uint8Array(32).fill(41), discovery: false })
  const relay = await createNode({ listen, seed: new Uint8Array(32).fill(42), discovery: false, bootstrap: [owner.multiaddrs()[0]!] })
  const victim = await createNode({ listen, seed: new Uint8Array(32).fill(43), discovery: false }) // alone until the end
  const strangerSeed = new Uint8Array(32).fill(44)
  const stranger: Libp2p = await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', strangerSeed),
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  const sanctions: string[] = []
  victim.on('misbehaviour', m => sanctions.push(`${m.peer === stranger.peerId.toString() ? 'stranger' : m.peer}: ${m.sanction} (${m.reason})`))
  try {
    for (let i = 1; i <= 20; i++) await owner.state.set(`k${i}`, `v${i}`)
    const o = owner.peerId
    await waitUntil('the relay to hold the owner\'s 20 keys', () => relay.cores.state.originMeta(o)?.known === 20, 20_000)
    const head = relay.cores.state.originMeta(o)?.head
    assert.ok(head !== undefined)
    const at = (i: number): Entry => genuine[i]!
    const genuine = Array.from({ length: 20 }, (_, i) => relay.cores.state.entry(`k${i + 1}`, o)!)
    const codec = new StateCodec()
    const send = async (delta: OriginDelta): Promise<void> => {
      const s = await stranger.dialProtocol(victim.libp2p.getMultiaddrs()[0]!, STATE)
      s.send(encodeFrame(codec.encode({ kind: 'push', exchange: 1, deltas: [delta] })))
      await s.close().catch(() => {})
    }
    const mine = new StateAuth(stranger.peerId.toString(), 'StrictSign', identityFromSeed(strangerSeed), new PeerVerifier())
    const rejected = (): Record<StateRejection, number> => victim.cores.state.stats.rejected

    // 1. Forged entries: signed by the stranger, claiming the owner's origin at its next version.
    const forged = mine.signEntry(0, { key: 'color', value: bytes('forged by a stranger'), version: 21, deleted: false })
    await send({ origin: o, generation: 0, fromVersion: 0, toVersion: 21, entries: [...genuine, forged], head: mine.signHead(0, 21, 21, 0n, new Uint8Array(32)) })
    // 2. A forged generation reset: generation 1000 with one entry.
    await send({ origin: o, generation: 1000, fromVersion: 0, toVersion: 1, entries: [mine.signEntry(1000, { key: 'color', value: bytes('reset'), version: 1, deleted: false })], head: mine.signHead(1000, 1, 1, 0n, new Uint8Array(32)) })
    await waitUntil('both forged heads to be refused', () => rejected()['bad-head-signature'] >= 2)
    // 3. A genuine entry replayed as newer: k1's entry relabelled as version 2, under the owner's real head.
    await send({ origin: o, generation: 0, fromVersion: 0, toVersion: 2, entries: [{ ...at(0), version: 2 }], head })
    // 4. Genuine entries, then one with its value altered: the genuine ones may stay, the altered one not.
    await send({ origin: o, generation: 0, fromVersion: 0, toVersion: 3, entries: [at(0), at(1), { ...at(2), value: bytes('altered') }], head })
    // 5. The whole origin with one value altered (the one-signature path).
    await send({ origin: o, generation: 0, fromVersion: 0, toVersion: 20, entries: genuine.map((e, i) => i === 9 ? { ...e, value: bytes('altered') } : e), head })
    await waitUntil('the replayed and altered entries to be refused', () => rejected()['bad-entry-signature'] >= 2 && rejected()['head-mismatch'] >= 1)
    assert.equal(victim.state.get('color', o), undefined, 'nothing forged was applied')
    assert.equal(victim.state.get('k3', o), undefined, 'nothing altered was applied')
    assert.equal(victim.cores.state.originMeta(o)?.generation ?? 0, 0, 'no generation reset')
    assert.ok(sanctions.some(s => s.startsWith('stranger: penalise')), `the stranger was penalised (${sanctions.join('; ')})`)
    // The victim runs on and, once it joins, holds exactly the owner's entries.
    victim.join(relay.multiaddrs()[0]!)
    await waitUntil('the victim to hold the owner\'s 20 keys', () => victim.cores.state.originMeta(o)?.known === 20, 20_000)
    assert.equal(new TextDecoder().decode(victim.state.get('k10', o)), 'v10')
    await owner.state.set('after', 'the attack')
    await waitUntil('the owner\'s next write to reach the victim', () => victim.state.get('after', o) !== undefined, 20_000)
    const only = (n: typeof owner): string => stateSignature(n.cores.state)
    await waitUntil('identical state everywhere', () => only(victim) === only(owner) && only(relay) === only(owner), 20_000)
    console.log(`# refused at the victim: ${JSON.stringify(rejected())}; sanctions: ${sanctions.length}`)
  } finally {
    await stranger.stop()
    await victim.stop()
    await relay.stop()
    await owner.stop()
  }
})
