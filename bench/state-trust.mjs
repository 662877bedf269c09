// What authenticated state costs (ARCHITECTURE.md, "Authenticated state"), each figure against its
// unsigned (StrictNoSign) reference in the same invocation:
//   - a newcomer catching up on ORIGINS × KEYS entries in the simulator: rounds, bytes it received,
//     signatures it checked, CPU — whole origins proven by one head each (the default MTU), and the same
//     catch-up forced entry by entry (an MTU smaller than one origin);
//   - local writes per second through the state core (signing, no disk);
//   - write latency through `node.state.set` on a real data directory: synced (default) vs relaxed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Simulator } from '../dist/src/sim/simulator.js'
import { AntiEntropy } from '../dist/src/state/antientropy.js'
import { StateAuth, signSnapshot } from '../dist/src/state/auth.js'
import { PeerVerifier } from '../dist/src/core/identity.js'
import { UniformPeerSampling } from '../dist/src/core/sampling.js'
import { identitiesFor } from '../dist/src/scenarios/state.js'
import { percentile } from '../dist/src/scenarios/stats.js'
import { createNode } from '../dist/src/net/create-node.js'
import { api, spawnAgent, stopAgent } from '../dist/src/agent/cluster.js'
import { writeFileSync } from 'node:fs'

const ORIGINS = Number(process.env.BENCH_TRUST_ORIGINS ?? 1000)
const KEYS = Number(process.env.BENCH_TRUST_KEYS ?? 100)

/** A newcomer joins 5 nodes that hold ORIGINS × KEYS; returns what catching up cost it. */
function catchUp (signed, mtu) {
  const policy = signed ? 'StrictSign' : 'StrictNoSign'
  const idents = identitiesFor(ORIGINS + 6, 7)
  const ids = idents.slice(ORIGINS).map(x => x.peerId)
  const newcomer = ids[5]
  const shared = new PeerVerifier({ memo: 10_000 })
  const own = new PeerVerifier() // the newcomer's: every check it makes is real
  const value = new Uint8Array(32).fill(1)
  const snapshots = idents.slice(0, ORIGINS).map(id => {
    const auth = new StateAuth(id.peerId, policy, signed ? id : null, shared)
    return { origin: id.peerId, ...signSnapshot(auth, 0, Array.from({ length: KEYS }, (_, k) => ({ key: `key-${k}`, value, version: k + 1, deleted: false }))) }
  })
  const sim = new Simulator({ seed: 7 })
  ids.forEach((id, i) => {
    sim.addNode(id, ctx => {
      const core = new AntiEntropy(ctx.env('state'), new UniformPeerSampling(id, ids, ctx.rng.fork('peers')), signed ? idents[ORIGINS + i] : null, {
        signaturePolicy: policy, verifier: id === newcomer ? own : shared, mtu, ...(mtu < 64 * 1024 ? { wholeOriginBytes: 0 } : {})
      })
      if (id !== newcomer) for (const s of snapshots) core.restore(s.origin, { generation: 0, known: KEYS, gcVersion: 0, head: s.head }, s.entries)
      return [core]
    })
  })
  let bytes = 0
  sim.onSend((_from, to, _core, _msg, size) => { if (to === newcomer) bytes += size })
  const core = sim.core(newcomer, 'state')
  const done = () => core.originCount === ORIGINS + 1 && snapshots.every(s => core.originMeta(s.origin)?.known === KEYS)
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  let rounds = 0
  while (!done() && rounds < 10_000) sim.run(++rounds * 1000)
  const cpu = process.cpuUsage(cpu0)
  return { rounds, bytes, checked: own.checked, cpuS: (cpu.user + cpu.system) / 1e6, wallS: (performance.now() - t0) / 1000, ok: done() }
}

/** Local writes per second through the core (signing, no disk). */
function writesPerSecond (signed) {
  const [id] = identitiesFor(1, 9)
  const sim = new Simulator({ seed: 1 })
  sim.addNode(id.peerId, ctx => [new AntiEntropy(ctx.env('state'), new UniformPeerSampling(id.peerId, [id.peerId], ctx.rng), signed ? id : null, { signaturePolicy: signed ? 'StrictSign' : 'StrictNoSign' })])
  const core = sim.core(id.peerId, 'state')
  const value = new Uint8Array(64).fill(3)
  const n = 20_000
  const t0 = performance.now()
  for (let i = 0; i < n; i++) core.set(0, `k${i % 1000}`, value)
  return n / ((performance.now() - t0) / 1000)
}

/** Latency of awaited `node.state.set` calls on a real data directory. */
async function writeLatency (durability, policy = 'StrictSign') {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-bench-'))
  const node = await createNode({ dataDir: join(dir, 'n'), listen: ['/ip4/127.0.0.1/tcp/0'], durability, discovery: false, state: { signaturePolicy: policy } })
  try {
    const ms = []
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now()
      await node.state.set(`k${i}`, `value ${i}`)
      ms.push(performance.now() - t0)
    }
    // Concurrent writes share batches (group commit).
    const t0 = performance.now()
    await Promise.all(Array.from({ length: 2000 }, (_, i) => node.state.set(`c${i}`, `value ${i}`)))
    const concurrent = 2000 / ((performance.now() - t0) / 1000)
    ms.sort((a, b) => a - b)
    return { p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), sequential: 1000 / (ms.reduce((a, b) => a + b, 0) / ms.length), concurrent }
  } finally {
    await node.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Sequential PUT /v1/kv/KEY through an agent's control API (token, JSON body), writes per second. */
async function agentWrites (policy) {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-bench-agent-'))
  const config = join(dir, 'config.json')
  writeFileSync(config, JSON.stringify({ state: { signaturePolicy: policy } }))
  const a = await spawnAgent(join(dir, 'data'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--config', config])
  try {
    const n = 300
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await api(a, 'PUT', `/v1/kv/k${i}`, { value: `value ${i}` })
    return n / ((performance.now() - t0) / 1000)
  } finally {
    await stopAgent(a)
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function benchStateTrust () {
  console.log(`\n## authenticated state: what signing costs (reference: StrictNoSign in the same run)`)
  console.log(`newcomer catching up on ${ORIGINS} origins × ${KEYS} keys (5 holders, simulated)`)
  console.log('mode                          rounds  MB received  signatures checked  CPU s')
  const rows = [
    ['unsigned (reference)', catchUp(false, 64 * 1024)],
    ['signed, whole origins', catchUp(true, 64 * 1024)],
    ['signed, entry by entry', catchUp(true, 4 * 1024)]
  ]
  for (const [name, r] of rows) {
    if (!r.ok) throw new Error(`${name}: the newcomer did not catch up`)
    console.log(`${name.padEnd(29)} ${String(r.rounds).padEnd(7)} ${(r.bytes / 1e6).toFixed(2).padEnd(12)} ${String(r.checked).padEnd(19)} ${r.cpuS.toFixed(2)}`)
  }
  const [ref, whole, each] = rows.map(r => r[1])
  console.log(`ratios vs unsigned: whole origins ${(whole.bytes / ref.bytes).toFixed(2)}× bytes, ${(whole.cpuS / ref.cpuS).toFixed(2)}× CPU; entry by entry ${(each.bytes / ref.bytes).toFixed(2)}× bytes, ${(each.cpuS / ref.cpuS).toFixed(2)}× CPU`)

  const unsignedW = writesPerSecond(false)
  const signedW = writesPerSecond(true)
  console.log(`\nlocal writes through the state core: unsigned ${unsignedW.toFixed(0)}/s, signed ${signedW.toFixed(0)}/s (${(signedW / unsignedW).toFixed(2)}×)`)
  const unsignedSet = await writeLatency('sync', 'StrictNoSign')
  const signedSet = await writeLatency('sync', 'StrictSign')
  console.log(`node.state.set (synced), 2,000 concurrent: unsigned ${unsignedSet.concurrent.toFixed(0)}/s, signed ${signedSet.concurrent.toFixed(0)}/s (${(signedSet.concurrent / unsignedSet.concurrent).toFixed(2)}×)`)
  const unsignedApi = await agentWrites('StrictNoSign')
  const signedApi = await agentWrites('StrictSign')
  console.log(`control API PUT /v1/kv, sequential: unsigned ${unsignedApi.toFixed(0)}/s, signed ${signedApi.toFixed(0)}/s (${(signedApi / unsignedApi).toFixed(2)}×)`)

  console.log('\nnode.state.set on a data directory   p50 ms   p99 ms   sequential/s   2,000 concurrent/s')
  const relaxed = await writeLatency('relaxed')
  const synced = await writeLatency('sync')
  for (const [name, r] of [['relaxed (reference)', relaxed], ['sync (default)', synced]]) {
    console.log(`${name.padEnd(37)} ${r.p50.toFixed(2).padEnd(8)} ${r.p99.toFixed(2).padEnd(8)} ${r.sequential.toFixed(0).padEnd(14)} ${r.concurrent.toFixed(0)}`)
  }
  console.log(`ratios sync / relaxed: p50 ${(synced.p50 / relaxed.p50).toFixed(2)}×, concurrent throughput ${(synced.concurrent / relaxed.concurrent).toFixed(2)}×`)
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStateTrust()
