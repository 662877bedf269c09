// One side of bench/verify-net.mjs, in its own process. Talks to the parent one JSON object per line.
//   sub WORKERS   a grapevine node (createNode, verifyWorkers WORKERS, StrictSign) subscribed to `bench`;
//                 prints its address, then every second its deliveries and its process CPU time.
//   pub COUNT SIZE ADDR
//                 a bare libp2p host that signs COUNT messages of SIZE bytes from 64 authors BEFORE it
//                 connects (so sending costs it little), then on `go` writes them, one RPC frame each, on
//                 a /meshsub/1.1.0 stream to ADDR as fast as the stream takes them, 32 frames to a write.
import '../dist/src/net/shim.js'
import { createInterface } from 'node:readline'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../dist/src/net/create-node.js'
import { identityFromSeed } from '../dist/src/core/identity.js'
import { RpcCodec } from '../dist/src/gossipsub/codec.js'
import { seqnoBytes, signMessage } from '../dist/src/gossipsub/signing.js'
import { encodeFrame } from '../dist/src/net/frames.js'
import { loopbackHost } from './loopback-host.mjs'

const TOPIC = 'bench'
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const lines = createInterface({ input: process.stdin })
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
const [role, ...args] = process.argv.slice(2)

if (role === 'sub') {
  const node = await createNode({ seed: new Uint8Array(32).fill(2), listen: ['/ip4/127.0.0.1/tcp/0'], discovery: false, verifyWorkers: Number(args[0]) })
  let delivered = 0
  const sub = node.pubsub.join(TOPIC).subscribe({ bufferSize: 1 << 16 })
  void (async () => { for await (const _ of sub) delivered++ })()
  say({ addr: node.multiaddrs()[0] })
  const tick = setInterval(() => say({ delivered, cpuMs: cpuMs(), t: performance.now(), pauses: node.driver.stats.verifyPauses, rejected: node.info().pubsubStats.rejected }), 1000)
  lines.on('line', async (l) => {
    if (l !== 'stop') return
    clearInterval(tick)
    await node.stop()
    process.exit(0)
  })
} else {
  const [count, size, addr] = [Number(args[0]), Number(args[1]), args[2]]
  const codec = new RpcCodec()
  const authors = Array.from({ length: 64 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(100 + i)))
  const frames = []
  for (let i = 0; i < count; i++) {
    const data = new Uint8Array(size)
    new DataView(data.buffer).setUint32(0, i)
    const msg = signMessage(authors[i % authors.length], TOPIC, data, seqnoBytes(BigInt(i + 1)))
    frames.push(encodeFrame(codec.encode({ subscriptions: [], messages: [msg] })))
  }
  const host = await loopbackHost(new Uint8Array(32).fill(1))
  // The subscriber answers on its own stream (IDONTWANT, GRAFT): read and dropped.
  await host.handle(['/meshsub/1.1.0'], (stream) => { stream.addEventListener('message', () => {}) })
  const stream = await host.dialProtocol(multiaddr(addr), '/meshsub/1.1.0')
  say({ ready: true })
  lines.on('line', async (l) => {
    if (l === 'go') {
      let sent = 0
      try {
        // 32 frames to a write, as a grapevine node coalesces the frames of one event-loop turn (each Yamux
        // data frame costs the receiver a window update of its own).
        for (let i = 0; i < frames.length; i += 32) {
          const batch = Buffer.concat(frames.slice(i, i + 32))
          if (!stream.send(batch)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
          sent += 32
        }
      } catch {
        // the subscriber stopped first
      }
      say({ sent })
    } else if (l === 'stop') {
      await host.stop()
      process.exit(0)
    }
  })
}
