// The publisher of bench/publish-net.mjs, in its own process (so its peak RSS is its own): a createNode on
// 127.0.0.1 that publishes COUNT messages of SIZE bytes as fast as publish() allows — awaited one after
// another, directly (`direct`) or through the control API served in this process (`api`, as the CLI and
// any local program do). Prints one JSON line with what publish() reported, then keeps the node up until
// the parent (which counts deliveries) says `stop` on stdin: queued messages are still being written.
import { createInterface } from 'node:readline'
import { createNode } from '../dist/src/net/create-node.js'
import { newToken, startApi } from '../dist/src/agent/api.js'

const [mode, bootstrap, peerList, count, size] = process.argv.slice(2)
const COUNT = Number(count)
const SIZE = Number(size)
const peers = peerList.split(',')
const TOPIC = 'bench'

process.on('exit', (code) => { if (code !== 0) console.error(`publisher: exit ${code}`) })
const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [bootstrap] })
const topic = node.pubsub.join(TOPIC)
// A member of the topic: the subscribers' topic discovery keeps connections to topic members and lets go of
// others, and a connection let go of by the far end loses what was queued on it (counted, never silent).
topic.subscribe({ bufferSize: 1 })
if (process.env.BENCH_DEBUG === '1') node.libp2p.addEventListener('connection:close', (e) => console.error(`publisher: connection to ${e.detail.remotePeer} closed (${e.detail.status})`))
const queuedTo = Object.fromEntries(peers.map(p => [p, 0]))
const skipped = {}
const note = (r) => {
  const skip = new Set(r.skippedPeers.map(s => s.peer))
  for (const p of peers) if (!skip.has(p)) queuedTo[p]++
  for (const s of r.skippedPeers) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1
}
const payload = (i) => {
  const data = new Uint8Array(SIZE)
  new DataView(data.buffer).setUint32(0, i)
  data.fill(i & 0xff, 4)
  return data
}
// The first message waits until the three subscribers are topic peers.
note(await topic.publish(payload(0), { minPeers: peers.length, timeoutMs: 60_000 }))

let publishOne
if (mode === 'api') {
  const token = newToken()
  const api = await startApi(node, { token, log: () => {} })
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }
  publishOne = async (i) => {
    const res = await globalThis.fetch(`${api.url}/v1/publish`, { method: 'POST', headers, body: JSON.stringify({ topic: TOPIC, data: Buffer.from(payload(i)).toString('base64'), encoding: 'base64' }) })
    const v = await res.json()
    if (!res.ok) throw new Error(`publish ${i}: ${res.status} ${v.error}`)
    return v
  }
} else {
  publishOne = async (i) => await topic.publish(payload(i))
}

const t0 = Date.now()
const cpu0 = process.cpuUsage()
for (let i = 1; i <= COUNT; i++) note(await publishOne(i))
const seconds = (Date.now() - t0) / 1000
const cpu = process.cpuUsage(cpu0)
const d = node.info().driver
console.log(JSON.stringify({
  mode,
  published: COUNT + 1,
  t0,
  publishSeconds: seconds,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  queuedTo,
  skipped,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
  driver: { refusedQueueFull: d.refusedQueueFull, lostDialFailed: d.lostDialFailed, lostClosed: d.lostClosed, lostWriteFailed: d.lostWriteFailed, drainWaits: d.drainWaits, dropped: d.dropped }
}))
const lostFrames = () => { const d = node.info().driver; return d.lostClosed + d.lostDialFailed + d.lostWriteFailed }
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line.trim() === 'lost') console.log(JSON.stringify({ lostFrames: lostFrames() }))
  if (line.trim() !== 'stop') return
  const d = node.info().driver
  console.log(JSON.stringify({ stopped: true, lost: lostFrames(), lostByReason: { dialFailed: d.lostDialFailed, closed: d.lostClosed, writeFailed: d.lostWriteFailed }, peakRssMB: process.resourceUsage().maxRSS / 1024 }))
  await node.stop()
  process.exit(0)
})
