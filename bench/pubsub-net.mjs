// Two processes over TCP on 127.0.0.1, 1 KiB messages, StrictSign and StrictNoSign: one publishes as fast
// as a window of unacknowledged messages allows (the parent relays the subscriber's progress), the other
// subscribes. For @libp2p/gossipsub (the reference) and grapevine in the same invocation: messages per
// second delivered, CPU µs per message on each side, latency p50 / p99, peak RSS; then the ratios, and
// Ed25519 verifications per second on one core (the bound StrictSign cannot beat).
// BENCH_PUBSUB_SECONDS (default 5) sets the measured time; BENCH_PROFILE=1 profiles grapevine's processes.
import { spawn } from 'node:child_process'
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./pubsub-net-child.mjs', import.meta.url))
const SIZE = 1024
const WINDOW = 1000

function child (impl, role, policy, profDir, size = SIZE) {
  const args = [...(profDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), CHILD, impl, role, policy, String(size)]
  const p = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] })
  p.stdin.on('error', () => {}) // progress relayed after the child stopped
  const waiters = []
  const listeners = []
  createInterface({ input: p.stdout }).on('line', (line) => {
    let msg
    try { msg = JSON.parse(line) } catch { return }
    for (const l of listeners) l(msg)
    const i = waiters.findIndex(w => w.key in msg)
    if (i >= 0) waiters.splice(i, 1)[0].resolve(msg)
  })
  return {
    send: (o) => { if (p.exitCode === null && p.stdin.writable) p.stdin.write(JSON.stringify(o) + '\n') },
    wait: (key) => new Promise(resolve => waiters.push({ key, resolve })),
    on: (fn) => listeners.push(fn),
    exited: new Promise(resolve => p.once('exit', resolve))
  }
}

const sleep = (ms) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * One publisher and one subscriber; `subImpl` (default: the same as the publisher) for mixed pairs. `cell`:
 * the window of unacknowledged messages, the message size, and optionally a rate cap (msgs/s).
 */
export async function runPair (impl, policy, seconds, profDir, subImpl = impl, cell = {}) {
  const { window = WINDOW, size = SIZE, rate } = cell
  const sub = child(subImpl, 'sub', policy, profDir, size)
  const pub = child(impl, 'pub', policy, profDir, size)
  const [s] = await Promise.all([sub.wait('ready'), pub.wait('ready')])
  pub.send({ dial: s.addrs[0] })
  await pub.wait('dialled')
  if (rate !== undefined) pub.send({ rate })
  sub.on((m) => { if (m.progress !== undefined) pub.send({ window: m.progress + window }) })
  pub.send({ window })
  await sleep(1000) // warm-up
  sub.send({ measure: true })
  pub.send({ measure: true })
  await Promise.all([sub.wait('measuring'), pub.wait('measuring')])
  await sleep(seconds * 1000)
  sub.send({ report: true })
  pub.send({ report: true })
  const [rs, rp] = await Promise.all([sub.wait('report'), pub.wait('report')])
  sub.send({ stop: true })
  pub.send({ stop: true })
  await Promise.all([sub.exited, pub.exited])
  const n = rs.delivered
  if (process.env.BENCH_DEBUG === '1') console.log(impl, policy, 'pub driver', JSON.stringify(rp.driver), 'published', rp.published)
  return {
    impl,
    subImpl,
    policy,
    msgsPerSec: n / (rs.elapsedMs / 1000),
    pubCpuUsPerMsg: rp.cpuUs / n,
    subCpuUsPerMsg: rs.cpuUs / n,
    latencyP50Ms: rs.latencyP50Ms,
    latencyP99Ms: rs.latencyP99Ms,
    pubPeakRssMB: rp.peakRssMB,
    subPeakRssMB: rs.peakRssMB
  }
}

function ed25519VerifiesPerSec () {
  const priv = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.alloc(32, 9)]), format: 'der', type: 'pkcs8' })
  const pubKey = createPublicKey(priv)
  const msg = Buffer.alloc(SIZE + 60, 1)
  const sig = sign(null, msg, priv)
  let n = 0
  const start = performance.now()
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) verify(null, msg, pubKey, sig)
    n += 100
  }
  return n / ((performance.now() - start) / 1000)
}

/** Self time by function from the .cpuprofile files in `dir`, top `k`. */
export function profileSummary (dir, k = 12) {
  const self = new Map()
  let total = 0
  for (const f of readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8'))
    const byId = new Map(p.nodes.map(n => [n.id, n]))
    p.samples.forEach((id, i) => {
      const n = byId.get(id)
      const dt = p.timeDeltas[i] ?? 0
      const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/dist\//, 'grapevine/')
      const key = `${n.callFrame.functionName || '(anonymous)'}  ${url}:${n.callFrame.lineNumber + 1}`
      self.set(key, (self.get(key) ?? 0) + dt)
      total += dt
    })
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, k).map(([key, t]) => `  ${(t / total * 100).toFixed(1).padStart(5)}%  ${key}`)
}

/** The cells of the comparison (issue 15's table), and one at a rate both keep up with, for peak RSS at equal throughput. */
const CELLS = [
  { policy: 'StrictSign', window: 50, size: 1024 },
  { policy: 'StrictSign', window: 1000, size: 1024 },
  { policy: 'StrictSign', window: 1000, size: 16384 },
  { policy: 'StrictNoSign', window: 50, size: 1024 },
  { policy: 'StrictNoSign', window: 1000, size: 1024 },
  { policy: 'StrictNoSign', window: 1000, size: 16384 },
  { policy: 'StrictNoSign', window: 1000, size: 1024, rate: 2000 },
  { policy: 'StrictSign', window: 1000, size: 1024, rate: 1000 }
]

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const cellName = (c) => `${c.policy}, ${c.size / 1024} KiB, ${c.rate !== undefined ? `${c.rate} msgs/s` : `${c.window} in flight`}`

export async function benchPubsubNet () {
  const seconds = Number(process.env.BENCH_PUBSUB_SECONDS ?? 5)
  const reps = Number(process.env.BENCH_PUBSUB_REPS ?? 3)
  const only = process.env.BENCH_PUBSUB_CELLS?.split(',').map(Number)
  const cells = CELLS.filter((_, i) => only === undefined || only.includes(i))
  console.log(`\n== pub/sub over TCP, 2 processes on 127.0.0.1 (Noise, Yamux), ${seconds} s measured after 1 s warm-up, medians of ${reps} with the order of the implementations alternated (reference: @libp2p/gossipsub) ==`)
  console.log(`machine: load average ${loadavg().map(x => x.toFixed(2)).join(' ')} (1 / 5 / 15 min)`)
  const rows = []
  for (const cell of cells) {
    const runs = { js: [], grapevine: [] }
    for (let r = 0; r < reps; r++) {
      for (const impl of r % 2 === 0 ? ['js', 'grapevine'] : ['grapevine', 'js']) runs[impl].push(await runPair(impl, cell.policy, seconds, undefined, impl, cell))
    }
    for (const impl of ['js', 'grapevine']) {
      const rs = runs[impl]
      const m = (k) => median(rs.map(x => x[k]).filter(x => x !== null))
      rows.push({ cell, impl, msgsPerSec: m('msgsPerSec'), pubCpuUsPerMsg: m('pubCpuUsPerMsg'), subCpuUsPerMsg: m('subCpuUsPerMsg'), latencyP50Ms: m('latencyP50Ms'), latencyP99Ms: m('latencyP99Ms'), pubPeakRssMB: m('pubPeakRssMB'), subPeakRssMB: m('subPeakRssMB') })
    }
  }
  const f = (x, d = 0) => x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(d)
  console.log('cell                                  implementation      msgs/s   pub µs/msg  sub µs/msg  p50 ms  p99 ms  pub RSS MB  sub RSS MB')
  for (const r of rows) {
    console.log(`${cellName(r.cell).padEnd(37)} ${(r.impl === 'js' ? '@libp2p/gossipsub' : 'grapevine').padEnd(18)} ${f(r.msgsPerSec).padStart(7)}   ${f(r.pubCpuUsPerMsg, 1).padStart(9)}  ${f(r.subCpuUsPerMsg, 1).padStart(10)}  ${f(r.latencyP50Ms, 1).padStart(6)}  ${f(r.latencyP99Ms, 1).padStart(6)}  ${f(r.pubPeakRssMB).padStart(10)}  ${f(r.subPeakRssMB).padStart(10)}`)
  }
  for (const cell of cells) {
    const ref = rows.find(r => r.cell === cell && r.impl === 'js')
    const gv = rows.find(r => r.cell === cell && r.impl === 'grapevine')
    console.log(`ratio grapevine / @libp2p/gossipsub, ${cellName(cell)}: msgs/s ${(gv.msgsPerSec / ref.msgsPerSec).toFixed(2)}×, ` +
      `CPU per message ${(gv.pubCpuUsPerMsg / ref.pubCpuUsPerMsg).toFixed(2)}× (publisher), ${(gv.subCpuUsPerMsg / ref.subCpuUsPerMsg).toFixed(2)}× (subscriber), ` +
      `peak RSS ${(gv.pubPeakRssMB / ref.pubPeakRssMB).toFixed(2)}× / ${(gv.subPeakRssMB / ref.subPeakRssMB).toFixed(2)}×`)
  }
  const vps = ed25519VerifiesPerSec()
  const gvSign = rows.find(r => r.cell.policy === 'StrictSign' && r.cell.size === SIZE && r.cell.window === WINDOW && r.cell.rate === undefined && r.impl === 'grapevine')
  if (gvSign !== undefined) console.log(`Ed25519 verifications per second on one core (node:crypto, ${SIZE + 60} B): ${vps.toFixed(0)}; grapevine StrictSign (1 KiB, ${WINDOW} in flight) delivers ${(gvSign.msgsPerSec / vps * 100).toFixed(0)}% of that bound`)
  if (process.env.BENCH_PROFILE === '1') {
    for (const policy of ['StrictSign', 'StrictNoSign']) {
      const dir = mkdtempSync(join(tmpdir(), 'grapevine-prof-'))
      await runPair('grapevine', policy, seconds, dir)
      console.log(`profile, grapevine ${policy}, both processes (self time):`)
      for (const l of profileSummary(dir)) console.log(l)
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return rows
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPubsubNet()
