// Two processes over TCP on 127.0.0.1, 1 KiB messages, StrictSign and StrictNoSign: one publishes as fast
// as a window of unacknowledged messages allows (the parent relays the subscriber's progress), the other
// subscribes. For @libp2p/gossipsub (the reference) and grapevine in the same invocation: messages per
// second delivered, CPU µs per message on each side, latency p50 / p99, peak RSS; then the ratios, and
// Ed25519 verifications per second on one core (the bound StrictSign cannot beat).
// BENCH_PUBSUB_SECONDS (default 5) sets the measured time; BENCH_PROFILE=1 profiles grapevine's processes.
import { spawn } from 'node:child_process'
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const CHILD = fileURLToPath(new URL('./pubsub-net-child.mjs', import.meta.url))
const SIZE = 1024
const WINDOW = 1000

function child (impl, role, policy, profDir) {
  const args = [...(profDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), CHILD, impl, role, policy, String(SIZE)]
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

/** One publisher and one subscriber; `subImpl` (default: the same as the publisher) for mixed pairs. */
export async function runPair (impl, policy, seconds, profDir, subImpl = impl) {
  const sub = child(subImpl, 'sub', policy, profDir)
  const pub = child(impl, 'pub', policy, profDir)
  const [s] = await Promise.all([sub.wait('ready'), pub.wait('ready')])
  pub.send({ dial: s.addrs[0] })
  await pub.wait('dialled')
  sub.on((m) => { if (m.progress !== undefined) pub.send({ window: m.progress + WINDOW }) })
  pub.send({ window: WINDOW })
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

export async function benchPubsubNet () {
  const seconds = Number(process.env.BENCH_PUBSUB_SECONDS ?? 5)
  console.log(`\n== pub/sub over TCP, 2 processes on 127.0.0.1, ${SIZE} B messages, ${seconds} s measured after 1 s warm-up (reference: @libp2p/gossipsub) ==`)
  const rows = []
  for (const policy of ['StrictSign', 'StrictNoSign']) {
    for (const impl of ['@libp2p/gossipsub', 'grapevine']) rows.push(await runPair(impl === 'grapevine' ? 'grapevine' : 'js', policy, seconds))
  }
  const f = (x, d = 0) => x === null || x === undefined ? '-' : x.toFixed(d)
  console.log('policy        implementation      msgs/s   pub µs/msg  sub µs/msg  p50 ms  p99 ms  pub RSS MB  sub RSS MB')
  for (const r of rows) {
    console.log(`${r.policy.padEnd(13)} ${(r.impl === 'js' ? '@libp2p/gossipsub' : 'grapevine').padEnd(18)} ${f(r.msgsPerSec).padStart(7)}   ${f(r.pubCpuUsPerMsg, 1).padStart(9)}  ${f(r.subCpuUsPerMsg, 1).padStart(10)}  ${f(r.latencyP50Ms, 1).padStart(6)}  ${f(r.latencyP99Ms, 1).padStart(6)}  ${f(r.pubPeakRssMB).padStart(10)}  ${f(r.subPeakRssMB).padStart(10)}`)
  }
  for (const policy of ['StrictSign', 'StrictNoSign']) {
    const ref = rows.find(r => r.policy === policy && r.impl === 'js')
    const gv = rows.find(r => r.policy === policy && r.impl === 'grapevine')
    console.log(`ratio grapevine / @libp2p/gossipsub, ${policy}: msgs/s ${(gv.msgsPerSec / ref.msgsPerSec).toFixed(2)}×, ` +
      `CPU per message ${(ref.pubCpuUsPerMsg / gv.pubCpuUsPerMsg).toFixed(2)}× less (publisher), ${(ref.subCpuUsPerMsg / gv.subCpuUsPerMsg).toFixed(2)}× less (subscriber)`)
  }
  const vps = ed25519VerifiesPerSec()
  const gvSign = rows.find(r => r.policy === 'StrictSign' && r.impl === 'grapevine')
  console.log(`Ed25519 verifications per second on one core (node:crypto, ${SIZE + 60} B): ${vps.toFixed(0)}; grapevine StrictSign delivers ${(gvSign.msgsPerSec / vps * 100).toFixed(0)}% of that bound`)
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
