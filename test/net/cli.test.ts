// The agent and the CLI commands, as a user runs them: a config file, two agents (the second joining the
// first over WebSockets), and members / info / kv / publish / subscribe with --json.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { spawnAgent, stopAgent, waitUntil, type RunningAgent } from '../../src/agent/cluster.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const run = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [MAIN, ...args])).stdout

test('agent with a config file; a second agent joins over WebSockets; every CLI command with --json', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-cli-'))
  const agents: RunningAgent[] = []
  try {
    const config = join(dir, 'a.json')
    writeFileSync(config, JSON.stringify({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], signaturePolicy: 'StrictSign', membership: { shufflePeriodMs: 2000 } }))
    const a = await spawnAgent(join(dir, 'a'), ['--config', config])
    agents.push(a)
    const ws = a.record.multiaddrs.find(m => m.includes('/ws/'))
    assert.ok(ws !== undefined, `the agent listens on WebSockets too: ${a.record.multiaddrs.join(' ')}`)
    const b = await spawnAgent(join(dir, 'b'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--bootstrap', ws])
    agents.push(b)
    const A = ['--data-dir', join(dir, 'a'), '--json']
    const B = ['--data-dir', join(dir, 'b'), '--json']

    await waitUntil('the two agents to be neighbours', async () => (JSON.parse(await run('members', ...B)) as { active: string[] }).active.includes(a.record.peerId))
    const info = JSON.parse(await run('info', ...A)) as { peerId: string, multiaddrs: string[] }
    assert.equal(info.peerId, a.record.peerId)

    // (the origin's versions count grapevine's own writes too, e.g. the node's summary: not necessarily 1)
    assert.ok((JSON.parse(await run('kv', 'set', 'color', 'green', ...B)) as { version: number }).version >= 1)
    assert.equal((JSON.parse(await run('kv', 'get', 'color', ...B)) as { value: string }).value, 'green')
    await waitUntil('the key at the other agent', async () => {
      const list = JSON.parse(await run('kv', 'list', '--origin', b.record.peerId, ...A)) as Array<{ key: string, value: string }>
      return list.some(e => e.key === 'color' && e.value === 'green')
    })
    assert.equal((JSON.parse(await run('kv', 'get', 'color', '--origin', b.record.peerId, ...A)) as { value: string }).value, 'green')

    // subscribe --count 1 at A; B publishes until A's subscription has reached it and a message arrived.
    const sub = spawn(process.execPath, [MAIN, 'subscribe', 'news', '--count', '1', ...A], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    sub.stdout.setEncoding('utf8').on('data', (d: string) => { out += d })
    const exited = new Promise(resolve => sub.once('exit', resolve))
    await waitUntil('a message published at B to arrive at A', async () => {
      const r = JSON.parse(await run('publish', 'news', 'hello', ...B)) as { recipients: number, skipped: number, skippedPeers: unknown[] }
      assert.equal(r.skipped, r.skippedPeers.length, 'skipped counts skippedPeers')
      return r.recipients > 0 && out.includes('hello')
    })
    await exited
    const msg = JSON.parse(out.trim().split('\n')[0]!) as { data: string, from: string }
    assert.equal(msg.data, 'hello')
    assert.equal(msg.from, b.record.peerId)

    assert.equal((JSON.parse(await run('kv', 'del', 'color', ...B)) as { deleted: boolean }).deleted, true)
    await assert.rejects(run('kv', 'get', 'color', ...B), /no key/)
    await assert.rejects(run('members', '--data-dir', join(dir, 'nobody')), /no running agent found/)
  } finally {
    await Promise.all(agents.map(async x => await stopAgent(x)))
    rmSync(dir, { recursive: true, force: true })
  }
})
