// Five agents as separate processes on 127.0.0.1; one is killed with SIGKILL. Membership repairs, pub/sub
// keeps delivering, state converges on the survivors, and on the killed agent once it restarts from its
// data directory (same peer id, nothing it had accepted lost).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { api, spawnAgent, stopAgent, subscribeAgent, waitUntil, type RunningAgent } from '../../src/agent/cluster.js'

type Entry = { origin: string, key: string, value: string }

test('five agent processes survive a SIGKILL: membership repairs, pub/sub and state carry on, the restarted agent catches up', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-mp-'))
  const agents: RunningAgent[] = []
  const subs: Array<{ stop: () => void }> = []
  try {
    for (let i = 0; i < 5; i++) {
      const boot = i === 0 ? [] : ['--bootstrap', agents[0]!.record.multiaddrs[0]!]
      agents.push(await spawnAgent(join(dir, `a${i}`), ['--listen', '/ip4/127.0.0.1/tcp/0', ...boot]))
    }
    const members = async (a: RunningAgent): Promise<string[]> => (await api<{ active: string[] }>(a, 'GET', '/v1/members')).active
    await waitUntil('every agent has two neighbours', async () => (await Promise.all(agents.map(members))).every(v => v.length >= 2))

    // Everyone subscribes and writes a key before the crash.
    const got = agents.map(() => new Set<string>())
    for (const [i, a] of agents.entries()) {
      const s = subscribeAgent(a, 'news', m => got[i]!.add(m.data))
      subs.push(s)
      await s.ready
      await api(a, 'PUT', `/v1/kv/before-${i}`, { value: `v${i}` })
    }
    const kv = async (a: RunningAgent): Promise<Entry[]> => await api<Entry[]>(a, 'GET', '/v1/kv')
    const hasAll = (entries: Entry[], keys: string[]): boolean => keys.every(k => entries.some(e => e.key === k))
    const before = agents.map((_, i) => `before-${i}`)
    await waitUntil('state before the crash everywhere', async () => (await Promise.all(agents.map(kv))).every(e => hasAll(e, before)), 30_000)

    // Kill agent 3 outright.
    const victim = agents[3]!
    const victimId = victim.record.peerId
    await stopAgent(victim, 'SIGKILL')
    const alive = agents.filter(a => a !== victim)
    const aliveGot = got.filter((_, i) => i !== 3)

    await waitUntil('membership repaired: no survivor keeps the dead agent, each has a neighbour', async () =>
      (await Promise.all(alive.map(members))).every(v => !v.includes(victimId) && v.length >= 1), 30_000)

    // Pub/sub keeps delivering among the survivors, from each of them.
    for (const [i, a] of alive.entries()) {
      const msg = `after-crash ${i}`
      const r = await api<{ recipients: number }>(a, 'POST', '/v1/publish', { topic: 'news', data: msg, minPeers: 1 })
      assert.ok(r.recipients >= 1)
      await waitUntil(`"${msg}" at every survivor`, () => aliveGot.every(g => g.has(msg)))
    }

    // State written after the crash converges on the survivors.
    await api(alive[0]!, 'PUT', '/v1/kv/after', { value: 'x' })
    await waitUntil('state after the crash at every survivor', async () => (await Promise.all(alive.map(kv))).every(e => hasAll(e, [...before, 'after'])), 30_000)

    // The killed agent restarts from its data directory: same id, its own write kept, and it catches up.
    const back = await spawnAgent(join(dir, 'a3'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', agents[0]!.record.multiaddrs[0]!])
    agents[3] = back
    assert.equal(back.record.peerId, victimId, 'the peer id survives the restart')
    const own = await api<Entry>(back, 'GET', '/v1/kv/before-3')
    assert.equal(own.value, 'v3', 'its own write survived kill -9')
    await waitUntil('the restarted agent holds the whole state', async () => hasAll(await kv(back), [...before, 'after']), 30_000)
    await waitUntil('the restarted agent is back in the overlay', async () => (await members(back)).length >= 1, 30_000)
  } finally {
    for (const s of subs) s.stop()
    await Promise.all(agents.map(async a => await stopAgent(a)))
    rmSync(dir, { recursive: true, force: true })
  }
})
