// The console's cost on an agent (issue 14): five idle agents on 127.0.0.1 for 30 s (after 10 s to settle),
// with the neighbourhood summaries on (the default) and off (--no-summaries); the CPU time each agent
// process used (/proc/<pid>/stat), per second, averaged over the five, and the bytes of the summaries.
// Run alone: `npm run build && node bench/console-agent-cpu.mjs`, or `BENCH_ONLY=console-agent-cpu npm run bench`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, spawnAgent, stopAgent } from '../dist/src/agent/cluster.js'

const SETTLE_MS = 10_000
const MEASURE_MS = 30_000
/** utime + stime of a process, in clock ticks (100 a second). */
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]) }

async function run (extra) {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-cpu-'))
  const agents = [await spawnAgent(join(dir, 'a0'), ['--listen', '/ip4/127.0.0.1/tcp/0', ...extra])]
  for (let i = 1; i < 5; i++) agents.push(await spawnAgent(join(dir, `a${i}`), ['--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', agents[0].record.multiaddrs[0], ...extra]))
  await new Promise(resolve => setTimeout(resolve, SETTLE_MS))
  const t0 = agents.map(a => ticks(a.child.pid))
  await new Promise(resolve => setTimeout(resolve, MEASURE_MS))
  const msPerS = agents.map((a, i) => (ticks(a.child.pid) - t0[i]) * 10 / (MEASURE_MS / 1000))
  const kv = await api(agents[1], 'GET', '/v1/kv?reserved=1')
  const sizes = kv.filter(e => e.key === '_grapevine/summary').map(e => e.value.length)
  await Promise.all(agents.map(a => stopAgent(a)))
  rmSync(dir, { recursive: true, force: true })
  return { msPerS: msPerS.reduce((s, x) => s + x, 0) / agents.length, sizes }
}

export async function benchConsoleAgentCpu () {
  console.log(`\nconsole cost on the agent — 5 idle agents, CPU over ${MEASURE_MS / 1000} s, summaries on and off`)
  const on = await run([])
  const off = await run(['--no-summaries'])
  console.log(`  CPU per agent: ${on.msPerS.toFixed(1)} ms/s with summaries, ${off.msPerS.toFixed(1)} ms/s without (ratio ${(on.msPerS / off.msPerS).toFixed(2)}×)`)
  console.log(`  summaries agent 2 holds: ${on.sizes.length}, ${on.sizes.join(' / ')} bytes`)
  return { on, off }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchConsoleAgentCpu()
