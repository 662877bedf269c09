import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair, generateKeyPairFromSeed, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { SignatureVerifier, seqnoBytes, signedBytes } from '../gossipsub/signing.js'
import { identityFromSeed } from '../core/identity.js'
import type { RPC } from '../wire/rpc.js'
import { libp2pKeyDecoder } from './keys.js'

test('the router\'s own peer ids are libp2p\'s (checked against @libp2p/peer-id)', async () => {
  for (const fill of [1, 7, 200]) {
    const seed = new Uint8Array(32).fill(fill)
    const ours = identityFromSeed(seed)
    const theirs = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', seed))
    assert.equal(ours.peerId, theirs.toString())
    assert.deepEqual(ours.peerIdBytes, theirs.toMultihash().bytes)
  }
})

for (const type of ['secp256k1', 'RSA'] as const) {
  test(`${type} authors: rejected without a key decoder, verified with libp2p's`, async () => {
    const key = await generateKeyPair(type)
    const peer = peerIdFromPrivateKey(key)
    const msg: RPC.Message = { from: peer.toMultihash().bytes, data: new Uint8Array([1, 2, 3]), seqno: seqnoBytes(1n), topic: 't' }
    // RSA ids are hashes of the key: the key travels in the message.
    if (type === 'RSA') msg.key = new Uint8Array(publicKeyToProtobuf(key.publicKey))
    msg.signature = new Uint8Array(await key.sign(signedBytes(msg)))
    assert.equal(new SignatureVerifier('StrictSign').check(msg), 'bad-key')
    const v = new SignatureVerifier('StrictSign', { decodeKey: libp2pKeyDecoder })
    assert.equal(v.check(msg), undefined)
    assert.equal(v.check({ ...msg, data: new Uint8Array([9]) }), 'bad-signature')
    if (type === 'RSA') assert.equal(v.check({ ...msg, key: undefined, from: Uint8Array.from([...msg.from!.slice(0, -1), msg.from![msg.from!.length - 1]! ^ 1]) }), 'bad-key')
  })
}
