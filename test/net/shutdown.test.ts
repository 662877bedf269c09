// Clean shutdown: SIGTERM to an agent while subscribers are attached (a `grapevine subscribe` process and
// an API stream) and a key is being written. The agent exits 0 with nothing on stderr but its own
// lines, the subscribing CLI exits non-zero with one line saying the agent stopped. SHUTDOWN_ROUNDS=10
// repeats it (the default, 2, keeps the suite fast).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { api, spawnAgent, subscribeAgent, waitUntil } from '../../src/agent/cluster.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const ROUNDS = Number(process.env.SHUTDOWN_ROUNDS ?? 2)

test(`SIGTERM with subscribers attached, ${ROUNDS} times: the agent exits 0, the subscribing CLI with one line`, { timeout: 30_000 + ROUNDS * 15_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-shutdown-'))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const data = join(dir, 'a') // the same directory each round: every stop must leave it reusable
      const a = await spawnAgent(data, ['--listen', '/ip4/127.0.0.1/tcp/0'])
      const cli = spawn(process.execPath, [MAIN, 'subscribe', 'news', '--data-dir', data], { stdio: ['ignore', 'pipe', 'pipe'] })
      let cliErr = ''
      cli.stderr.setEncoding('utf8').on('data', (d: string) => { cliErr += d })
      const cliExit = new Promise<number | null>(resolve => cli.once('exit', code => resolve(code)))
      const apiSub = subscribeAgent(a, 'other', () => {})
      await apiSub.ready
      await waitUntil('both subscriptions at the agent', async () => {
        const info = await api<{ topics: string[] }>(a, 'GET', '/v1/info')
        return info.topics.includes('news') && info.topics.includes('other')
      })
      await api(a, 'PUT', '/v1/kv/round', { value: String(round) })
      a.child.kill('SIGTERM')
      const code = await a.exited
      const cliCode = await cliExit
      apiSub.stop()
      const stray = a.stderr().split('\n').filter(l => l.trim() !== '')
      assert.equal(code, 0, `round ${round}: the agent exits 0 (stderr: ${a.stderr()})`)
      assert.deepEqual(stray, [], `round ${round}: nothing on the agent's stderr`)
      assert.notEqual(cliCode, 0, `round ${round}: the subscribing CLI exits non-zero`)
      const lines = cliErr.trim().split('\n')
      assert.equal(lines.length, 1, `round ${round}: one line from the CLI: ${cliErr}`)
      assert.match(lines[0]!, /agent stopped/)
    }
    // The last round's write survived the stops: a new agent on the directory has it.
    const b = await spawnAgent(join(dir, 'a'), ['--listen', '/ip4/127.0.0.1/tcp/0'])
    const e = await api<{ value: string }>(b, 'GET', '/v1/kv/round')
    assert.equal(e.value, String(ROUNDS - 1))
    b.child.kill('SIGTERM')
    assert.equal(await b.exited, 0)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
