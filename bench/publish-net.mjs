// Publishing with back-pressure on a real network (issue 12): COUNT (5,000) messages of 64 KiB published
// through createNode to three subscribing nodes on 127.0.0.1 as fast as publish() allows, first directly
// (the reference) then through the control API. The publisher runs in a child process; the subscribers
// run here and count what they deliver. Checked: every subscriber delivered at least what publish()
// reported queued to it, or else the publisher's driver counted the difference lost (a stream or connection
// that died with frames queued: never silent). Printed:
// publish throughput (MB/s and msgs/s of payload while publishing), end-to-end time until every
// subscriber had everything, the publisher's peak RSS and CPU, the back-pressure counters, and the ratios
// of the control API run to the direct one. BENCH_PUBLISH_COUNT changes the count.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createNode } from '../dist/src/net/create-node.js'
import { waitUntil } from '../dist/src/agent/cluster.js'

const CHILD = fileURLToPath(new URL('./publish-net-child.mjs', import.meta.url))
const COUNT = Number(process.env.BENCH_PUBLISH_COUNT ?? 5000)
const SIZE = 64 * 1024
const listen = ['/ip4/127.0.0.1/tcp/0']

async function run (mode) {
  const subs = []
  try {
    for (let i = 0; i < 3; i++) subs.push(await createNode({ listen, ...(i > 0 ? { bootstrap: [subs[0].multiaddrs()[0]] } : {}) }))
    const got = subs.map(() => 0)
    let lastAt = 0
    for (const [i, n] of subs.entries()) {
      n.pubsub.join('bench').subscribe({ bufferSize: 1 }) // read through the event; the buffer's overflow is not the point
      n.pubsub.on('message', () => { got[i]++; lastAt = Date.now() })
    }
    const p = spawn(process.execPath, [CHILD, mode, subs[0].multiaddrs()[0], subs.map(n => n.peerId).join(','), String(COUNT), String(SIZE)], { stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = []
    createInterface({ input: p.stdout }).on('line', (l) => { try { lines.push(JSON.parse(l)) } catch { /* not a result line */ } })
    const exited = new Promise(resolve => p.once('exit', resolve))
    await waitUntil('the publisher to finish publishing', () => lines.length > 0 || p.exitCode !== null, 900_000, 50)
    const r = lines[0]
    assert.ok(r !== undefined, 'the publisher reported')
    const want = subs.map(n => r.queuedTo[n.peerId])
    // Every queued message arrives unless its connection or stream died, and then the publisher counted it lost.
    const lostNow = async () => { p.stdin.write('lost\n'); await waitUntil('the count', () => lines.some(l => l.lostFrames !== undefined), 10_000, 10); return lines.pop().lostFrames }
    let lost = 0
    await waitUntil('every subscriber to deliver what was queued to it, or the rest to be counted lost', async () => {
      if (got.every((g, i) => g >= want[i])) return true
      lost = await lostNow()
      return got.every((g, i) => g + lost >= want[i])
    }, 600_000, 200)
    await new Promise(resolve => setTimeout(resolve, 500)) // anything beyond (relayed copies of skipped ones)
    p.stdin.write('stop\n')
    await exited
    const end = lines.find(l => l.stopped)
    for (const [i, g] of got.entries()) {
      assert.ok(g + (end?.lost ?? lost) >= want[i], `subscriber ${i} delivered ${g} of the ${want[i]} queued to it, and the publisher counted only ${end?.lost ?? lost} lost`)
    }
    const e2e = (lastAt - r.t0) / 1000
    // (lost counts frames of every core — a membership message to a peer that could not be dialled, too)
    const short = got.map((g, i) => Math.max(0, want[i] - g))
    return { ...r, got, want, short, e2eSeconds: e2e, lost: end?.lost ?? 0, peakRssMB: end?.peakRssMB ?? r.peakRssMB }
  } finally {
    for (const n of subs) await n.stop()
  }
}

export async function benchPublishNet () {
  console.log(`\npublish with back-pressure over TCP: ${COUNT} × ${SIZE / 1024} KiB, createNode → 3 subscribers on 127.0.0.1, publish() awaited one after another`)
  const rows = [await run('direct'), await run('api')]
  console.log('mode     publish MB/s  msgs/s   end-to-end s  delivered per peer (queued)          skipped        drain waits  refused  lost  peak RSS MB  CPU s')
  for (const r of rows) {
    const mbps = (r.published * SIZE / 1e6) / r.publishSeconds
    r.mbps = mbps
    r.msgs = r.published / r.publishSeconds
    console.log(`${r.mode.padEnd(8)} ${mbps.toFixed(1).padEnd(13)} ${Math.round(r.msgs).toString().padEnd(8)} ${r.e2eSeconds.toFixed(1).padEnd(13)} ` +
      `${r.got.map((g, i) => `${g} (${r.want[i]})`).join(' ').padEnd(36)} ${(JSON.stringify(r.skipped)).padEnd(14)} ${String(r.driver.drainWaits).padEnd(12)} ${String(r.driver.refusedQueueFull).padEnd(8)} ${String(r.lost).padEnd(5)} ${r.peakRssMB.toFixed(0).padEnd(12)} ${r.cpuSeconds.toFixed(1)}`)
  }
  const [ref, api] = rows
  console.log(`ratio api / direct (reference): publish throughput ${(api.mbps / ref.mbps).toFixed(2)}×, end-to-end ${(api.e2eSeconds / ref.e2eSeconds).toFixed(2)}×, peak RSS ${(api.peakRssMB / ref.peakRssMB).toFixed(2)}×, CPU ${(api.cpuSeconds / ref.cpuSeconds).toFixed(2)}×`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchPublishNet()
