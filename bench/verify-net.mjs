// Signature verification across cores (issue 15): the receiver-bound StrictSign case. A subscriber (grapevine,
// createNode) is fed messages signed in advance by a bare libp2p publisher (which then costs little), over
// TCP on 127.0.0.1 (Noise, Yamux), one 1 KiB message per RPC; with 0 (verification on the event loop), 1 and
// 2 verification workers. Printed: the messages per second the subscriber delivers over MEASURE seconds,
// against the one-core Ed25519 verification bound measured in the same run (node:crypto, cached key, the
// same 1 KiB messages); the subscriber's CPU; the pool alone (no network) with 1 and 2 workers; the load.
// VERIFY_SECONDS (default 5) sets the measured time; VERIFY_PROFILE=DIR writes the subscriber's CPU profiles
// (its threads' too) to DIR/workers-N. Run alone: `npm run build && node bench/verify-net.mjs`,
// or `BENCH_ONLY=verify-net npm run bench`.
import { spawn } from 'node:child_process'
import { createPublicKey, verify as edVerify } from 'node:crypto'
import { availableParallelism, loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { identityFromSeed } from '../dist/src/core/identity.js'
import { seqnoBytes, signMessage, signedBytes } from '../dist/src/gossipsub/signing.js'
import { VerifyPool } from '../dist/src/net/verify-pool.js'

const CHILD = fileURLToPath(new URL('./verify-net-child.mjs', import.meta.url))
const SIZE = 1024
const MEASURE_S = Number(process.env.VERIFY_SECONDS ?? 5)
const WARMUP_S = 1

function child (args, profile) {
  const prof = profile !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profile] : []
  const p = spawn(process.execPath, [...prof, CHILD, ...args.map(String)], { stdio: ['pipe', 'pipe', 'inherit'] })
  const listeners = []
  createInterface({ input: p.stdout }).on('line', (line) => {
    let msg
    try { msg = JSON.parse(line) } catch { return }
    for (const l of [...listeners]) l(msg)
  })
  return {
    send: (s) => { if (p.exitCode === null) p.stdin.write(s + '\n') },
    next: (key) => new Promise(resolve => { const l = (m) => { if (key in m) { listeners.splice(listeners.indexOf(l), 1); resolve(m) } }; listeners.push(l) }),
    exited: new Promise(resolve => p.once('exit', resolve))
  }
}

/** Signed 1 KiB messages: what a subscriber verifies. */
function sampleChecks (n) {
  const authors = Array.from({ length: 64 }, (_, i) => identityFromSeed(new Uint8Array(32).fill(100 + i)))
  return Array.from({ length: n }, (_, i) => {
    const id = authors[i % authors.length]
    const msg = signMessage(id, 'bench', new Uint8Array(SIZE).fill(i & 0xff), seqnoBytes(BigInt(i + 1)))
    return { publicKey: id.publicKey, signed: signedBytes(msg), signature: msg.signature, subject: msg }
  })
}

const SPKI = Buffer.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])

/** Ed25519 verifications per second on this thread (key objects cached), over about a second. */
function oneCoreBound (checks) {
  const keys = new Map()
  let n = 0
  const t0 = performance.now()
  while (performance.now() - t0 < 1000) {
    const c = checks[n % checks.length]
    let key = keys.get(c.publicKey)
    if (key === undefined) keys.set(c.publicKey, key = createPublicKey({ key: Buffer.concat([SPKI, c.publicKey]), format: 'der', type: 'spki' }))
    if (!edVerify(null, c.signed, key, c.signature)) throw new Error('a good signature failed')
    n++
  }
  return n / ((performance.now() - t0) / 1000)
}

/** The pool alone: checks per second through `workers` threads (no network, no router). */
async function poolAlone (workers, checks) {
  const pool = new VerifyPool(workers, { maxPending: 1 << 20 })
  try {
    await Promise.all(checks.slice(0, 64).map(c => new Promise(resolve => pool.verify({ ...c, signed: c.signed.slice() }, resolve)))) // warm up the threads
    const t0 = performance.now()
    await Promise.all(checks.map(c => new Promise(resolve => pool.verify(c, resolve))))
    return checks.length / ((performance.now() - t0) / 1000)
  } finally {
    await pool.close()
  }
}

async function receiverBound (workers, bound) {
  const profile = process.env.VERIFY_PROFILE !== undefined ? `${process.env.VERIFY_PROFILE}/workers-${workers}` : undefined
  const sub = child(['sub', workers], profile)
  const { addr } = await sub.next('addr')
  // Enough pre-signed messages for the whole run at twice the bound.
  const count = Math.ceil(bound * 2 * (WARMUP_S + MEASURE_S + 1))
  const pub = child(['pub', count, SIZE, addr])
  await pub.next('ready')
  const samples = []
  const collect = (m) => samples.push(m)
  const first = await sub.next('delivered')
  collect(first)
  pub.send('go')
  const until = Date.now() + (WARMUP_S + MEASURE_S + 0.5) * 1000
  while (Date.now() < until) collect(await sub.next('delivered'))
  sub.send('stop')
  pub.send('stop')
  await Promise.all([sub.exited, pub.exited])
  // The measured window: the samples from WARMUP_S seconds after the first delivery.
  const started = samples.find(s => s.delivered > 0) ?? samples[0]
  const from = samples.find(s => s.t >= started.t + WARMUP_S * 1000) ?? started
  const to = samples[samples.length - 1]
  const secs = (to.t - from.t) / 1000
  return {
    workers,
    msgsPerSec: (to.delivered - from.delivered) / secs,
    cores: (to.cpuMs - from.cpuMs) / (to.t - from.t),
    pauses: to.pauses,
    rejected: to.rejected
  }
}

export async function benchVerifyNet () {
  console.log(`\n## StrictSign receiver-bound: verification in worker threads (1 KiB, messages signed in advance, ${MEASURE_S} s each)`)
  console.log(`machine: ${availableParallelism()} cores, load average ${loadavg().map(x => x.toFixed(2)).join(' ')} (1 / 5 / 15 min)`)
  const checks = sampleChecks(20_000)
  const bound = oneCoreBound(checks)
  console.log(`one-core Ed25519 bound (node:crypto, cached keys, 1 KiB): ${Math.round(bound)} verifications/s`)
  for (const w of [1, 2]) {
    const r = await poolAlone(w, checks)
    console.log(`pool alone, ${w} worker${w > 1 ? 's' : ' '}: ${Math.round(r)} checks/s = ${(r / bound).toFixed(2)}× the one-core bound`)
  }
  console.log('workers  delivered msgs/s  × one-core bound  subscriber CPU (cores, all threads)  stream pauses')
  for (const w of [0, 1, 2]) {
    const r = await receiverBound(w, bound)
    console.log(`${String(r.workers).padEnd(8)} ${String(Math.round(r.msgsPerSec)).padEnd(17)} ${(r.msgsPerSec / bound).toFixed(2).padEnd(17)} ${r.cores.toFixed(2).padEnd(37)} ${r.pauses}`)
  }
  console.log(`load average after: ${loadavg().map(x => x.toFixed(2)).join(' ')}`)
}

if (import.meta.url === `file://${process.argv[1]}`) await benchVerifyNet()
