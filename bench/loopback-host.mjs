// The plain js-libp2p host the network benchmarks' child processes run beside or instead of grapevine: TCP
// on 127.0.0.1, Noise, Yamux, identify, an Ed25519 key from a 32-byte seed, loopback exempt from the
// connection limits, and a connection monitor that measures but never aborts a busy connection.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

/** A loopback host with key `seed` and, besides identify, `services` (e.g. `{ pubsub: gossipsub(…) }`). */
export async function loopbackHost (seed, services = {}) {
  return await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seed),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.1'] },
    connectionMonitor: { abortConnectionOnPingFailure: false },
    services: { identify: identify(), ...services }
  })
}
