// One side of the two-process pub/sub benchmark (bench/pubsub-net.mjs): a libp2p host on 127.0.0.1 running
// either a grapevine node (createNode, topic discovery off), @libp2p/gossipsub (`js`) or grapevine's js-libp2p
// service in its place (`service`, grapevine/libp2p), as `sub` (subscribes, counts
// deliveries and latency) or `pub` (publishes 1 KiB messages as fast as the window the parent relays allows).
// Talks to the parent over stdin / stdout, one JSON object per line.
import '../dist/src/net/shim.js'
import { createInterface } from 'node:readline'
import { gossipsub } from '@libp2p/gossipsub'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../dist/src/net/create-node.js'
import { gossipsub as grapevineGossipsub } from '../dist/src/exports/libp2p.js'
import { loopbackHost } from './loopback-host.mjs'

const [impl, role, policy, sizeArg] = process.argv.slice(2)
const size = Number(sizeArg)
const TOPIC = 'bench'
const send = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const wallNow = () => performance.timeOrigin + performance.now()
const seed = new Uint8Array(32).fill(role === 'pub' ? 1 : 2)

let publish, subscribe, dial, peersInTopic, stop, addrs
if (impl === 'grapevine') {
  const node = await createNode({ seed, listen: ['/ip4/127.0.0.1/tcp/0'], signaturePolicy: policy, discovery: false })
  const host = node.libp2p
  const topic = node.pubsub.join(TOPIC)
  publish = async (data) => { await topic.publish(data) }
  subscribe = (onData) => {
    const sub = topic.subscribe({ bufferSize: 1 << 16 })
    void (async () => { for await (const m of sub) onData(m.data) })()
  }
  dial = async (a) => { await host.dial(multiaddr(a)) }
  peersInTopic = () => topic.peers().length
  stop = async () => { await node.stop() }
  addrs = node.multiaddrs()
  globalThis.driverStats = () => node.driver.stats
} else {
  const host = await loopbackHost(seed, { pubsub: (impl === 'service' ? grapevineGossipsub : gossipsub)({ globalSignaturePolicy: policy, allowPublishToZeroTopicPeers: true }) })
  const ps = host.services.pubsub
  publish = async (data) => { await ps.publish(TOPIC, data) }
  subscribe = (onData) => {
    ps.subscribe(TOPIC)
    ps.addEventListener('message', (e) => { if (e.detail.topic === TOPIC) onData(e.detail.data) })
  }
  dial = async (a) => { await host.dial(multiaddr(a)) }
  peersInTopic = () => ps.getSubscribers(TOPIC).length
  stop = async () => { await host.stop() }
  addrs = host.getMultiaddrs().map(String)
  if (impl === 'service') globalThis.driverStats = () => ps.driver.stats
}

let delivered = 0
let deliveredTotal = 0
let publishedTotal = 0
const latencies = []
let cpu0 = null
let t0 = 0
let window = 0
let published = 0
let running = false
/** Messages per second at most (bench cells at equal throughput), or none. */
let rate
/** After the report a late window (the subscriber's progress, relayed) must not restart publishing. */
let finished = false

if (role === 'sub') {
  subscribe((data) => {
    delivered++
    deliveredTotal++
    if (data.length >= 8) latencies.push(wallNow() - new DataView(data.buffer, data.byteOffset, 8).getFloat64(0))
  })
  // Progress for the publisher's window, every 20 ms.
  setInterval(() => send({ progress: deliveredTotal }), 20).unref()
}
send({ ready: true, addrs })

const lines = createInterface({ input: process.stdin })
for await (const line of lines) {
  const cmd = JSON.parse(line)
  if (cmd.dial !== undefined) {
    await dial(cmd.dial)
    while (peersInTopic() < 1) await new Promise(resolve => setTimeout(resolve, 10))
    send({ dialled: true })
  } else if (cmd.waitTopicPeer) {
    while (peersInTopic() < 1) await new Promise(resolve => setTimeout(resolve, 10))
    send({ topicPeer: true })
  } else if (cmd.measure !== undefined) {
    // Start (or restart) the measurement window: CPU and counts from now.
    cpu0 = process.cpuUsage()
    t0 = performance.now()
    delivered = 0
    latencies.length = 0
    published = 0
    send({ measuring: true })
  } else if (cmd.rate !== undefined) {
    rate = cmd.rate
  } else if (cmd.window !== undefined) {
    window = cmd.window
    if (role === 'pub' && !running && !finished) {
      running = true
      void (async () => {
        const data = new Uint8Array(size)
        const dv = new DataView(data.buffer)
        let n = 0
        const rateT0 = performance.now()
        while (running) {
          if (rate !== undefined && publishedTotal >= (performance.now() - rateT0) / 1000 * rate) {
            await new Promise(resolve => setTimeout(resolve, 2)) // a rate cap: sleep, do not spin
            continue
          }
          if (publishedTotal >= window) {
            await new Promise(resolve => setImmediate(resolve))
            continue
          }
          dv.setFloat64(0, wallNow())
          dv.setUint32(8, n++)
          await publish(data.slice())
          published++
          publishedTotal++
          if (publishedTotal % 64 === 0) await new Promise(resolve => setImmediate(resolve))
        }
      })()
    }
  } else if (cmd.report) {
    running = false
    finished = true
    const cpu = process.cpuUsage(cpu0)
    const sorted = latencies.sort((a, b) => a - b)
    send({
      report: true,
      elapsedMs: performance.now() - t0,
      delivered,
      published,
      cpuUs: cpu.user + cpu.system,
      latencyP50Ms: sorted[Math.floor(sorted.length * 0.5)] ?? null,
      latencyP99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? null,
      peakRssMB: process.resourceUsage().maxRSS / 1024,
      driver: globalThis.driverStats?.()
    })
  } else if (cmd.stop) {
    await stop()
    process.exit(0)
  }
}
