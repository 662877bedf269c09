// The agent's control API under attack, one request per attack against a real agent process on 127.0.0.1:
// no token, a wrong token, a foreign Host (DNS rebinding), an Origin header (a web page), a text/plain body
// (a cross-site form), a malformed percent-escape, bytes that are not HTTP. Each is refused with its status and a JSON reason,
// nothing is written, the refusal is counted and logged without the token, and the agent keeps serving.
// Then the files: the data directory, agent.json and the database are this user's alone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnAgent, stopAgent, type RunningAgent } from '../../src/agent/cluster.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

interface Answer { status: number, body: { error?: string } & Record<string, unknown> }

/** One raw HTTP request (node:http, so Host and Origin are ours to set), over TCP or the unix socket. */
async function send (a: RunningAgent, method: string, path: string, headers: Record<string, string>, body?: string, socketPath?: string): Promise<Answer> {
  const url = new URL(a.record.api)
  return await new Promise((resolve, reject) => {
    const req = request({ ...(socketPath !== undefined ? { socketPath } : { host: '127.0.0.1', port: url.port }), method, path, headers, setHost: !('Host' in headers) }, res => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Answer['body'] }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const mode = (p: string): number => statSync(p).mode & 0o777

test('control API: every attack is refused with its status and reason, counted, logged; nothing written; the agent runs on', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-api-'))
  const socket = join(dir, 'api.sock')
  const a = await spawnAgent(join(dir, 'a'), ['--listen', '/ip4/127.0.0.1/tcp/0', '--socket', socket])
  try {
    const token = a.record.token
    assert.match(token, /^[0-9a-f]{64}$/, '32 random bytes in hex')
    const auth = { Authorization: `Bearer ${token}` }
    const json = { ...auth, 'Content-Type': 'application/json' }
    const stored = async (key: string): Promise<number> => (await send(a, 'GET', `/v1/kv/${key}`, auth)).status

    // The honest request, also as localhost without a port and through the unix socket.
    assert.equal((await send(a, 'PUT', '/v1/kv/ok', json, '{"value":"1"}')).status, 200)
    assert.equal((await send(a, 'GET', '/v1/members', { ...auth, Host: 'localhost' })).status, 200)
    assert.equal((await send(a, 'GET', '/v1/members', auth, undefined, socket)).status, 200)
    assert.equal(mode(socket), 0o600, 'the unix socket is this user\'s alone')

    const noToken = await send(a, 'GET', '/v1/members', {})
    assert.equal(noToken.status, 401)
    assert.match(noToken.body.error!, /Authorization: Bearer/)
    const wrong = await send(a, 'PUT', '/v1/kv/wrong', { 'Content-Type': 'application/json', Authorization: `Bearer ${'0'.repeat(64)}` }, '{"value":"x"}')
    assert.equal(wrong.status, 401)
    assert.match(wrong.body.error!, /does not match/)
    assert.equal(await stored('wrong'), 404, 'a wrong token writes nothing')

    for (const Host of [`evil.example:${new URL(a.record.api).port}`, 'localhost.evil.example']) {
      const r = await send(a, 'GET', '/v1/members', { ...auth, Host })
      assert.equal(r.status, 421, Host)
      assert.match(r.body.error!, /answers only to Host 127\.0\.0\.1, localhost or \[::1\]/)
    }

    const origin = await send(a, 'PUT', '/v1/kv/from-page', { ...json, Origin: 'https://evil.example' }, '{"value":"x"}')
    assert.equal(origin.status, 403)
    assert.match(origin.body.error!, /Origin/)
    assert.equal(await stored('from-page'), 404, 'nothing written for a page')

    const plain = await send(a, 'PUT', '/v1/kv/form', { ...auth, 'Content-Type': 'text/plain' }, '{"value":"x"}')
    assert.equal(plain.status, 415)
    assert.match(plain.body.error!, /Content-Type: application\/json/)
    assert.equal(await stored('form'), 404, 'nothing written for a text/plain body')

    const escape = await send(a, 'GET', '/v1/kv/%E0%A4%A', auth)
    assert.equal(escape.status, 400)
    assert.match(escape.body.error!, /malformed percent-escape/)

    // Bytes that are not HTTP never reach a route: a 400 too.
    const garbage = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(new URL(a.record.api).port), '127.0.0.1', () => sock.end('GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n'))
      let text = ''
      sock.setEncoding('utf8').on('data', (d: string) => { text += d }).on('end', () => resolve(text)).on('error', reject)
    })
    assert.match(garbage, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*"error":"the request is not well-formed HTTP\/1\.1"/)

    const info = await send(a, 'GET', '/v1/info', auth)
    assert.equal(info.status, 200, 'the agent keeps running')
    assert.equal(a.child.exitCode, null)
    assert.deepEqual((info.body.api as { refused: unknown }).refused, { host: 2, origin: 1, token: 2, contentType: 1, badRequest: 2, tooLarge: 0, notFound: 0, backpressure: 0, session: 0, login: 0, csrf: 0 })
    const log = a.stderr()
    for (const reason of ['401 token', '421 host', '403 origin', '415 contentType', '400 badRequest']) assert.match(log, new RegExp(`refused .*: ${reason} `), reason)
    assert.ok(!log.includes(token), 'the log never shows the token')

    // A publish says whom it was queued to and whom it skipped (nobody here: the agent is alone).
    const pub = await send(a, 'POST', '/v1/publish', json, '{"topic":"news","data":"hi","slowPeerMs":100}')
    assert.equal(pub.status, 200)
    assert.deepEqual({ ...pub.body, id: undefined }, { id: undefined, recipients: 0, skipped: 0, skippedPeers: [], reason: 'no-peers-in-topic' })
    const badWait = await send(a, 'POST', '/v1/publish', json, '{"topic":"news","data":"hi","slowPeerMs":-1}')
    assert.equal(badWait.status, 400)
    assert.match(badWait.body.error!, /slowPeerMs must be a number of milliseconds/)
  } finally {
    await stopAgent(a)
    rmSync(dir, { recursive: true, force: true })
  }
  assert.equal(existsSync(socket), false, 'the socket is removed at stop')
})

test('the data directory, agent.json and the database are readable by this user only', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-modes-'))
  const data = join(dir, 'a')
  const a = await spawnAgent(data, ['--listen', '/ip4/127.0.0.1/tcp/0'])
  try {
    assert.equal(mode(data), 0o700)
    assert.equal(mode(join(data, 'agent.json')), 0o600)
    assert.equal(mode(join(data, 'db')), 0o700)
    const files = readdirSync(join(data, 'db'))
    assert.ok(files.length >= 3, `LevelDB's files: ${files.join(' ')}`)
    for (const f of files) assert.equal(mode(join(data, 'db', f)), 0o600, f)
  } finally {
    await stopAgent(a)
    rmSync(dir, { recursive: true, force: true })
  }
})

test('another local user cannot read the token or the key (runuser -u nobody)', { timeout: 60_000 }, async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to act as another user (CI runs as root)')
  if (spawnSync('runuser', ['--help']).error !== undefined) return t.skip('runuser is not installed')
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-nobody-'))
  chmodSync(dir, 0o755) // the folder around the data directory is open, as a home directory often is
  const a = await spawnAgent(join(dir, 'a'), ['--listen', '/ip4/127.0.0.1/tcp/0'])
  try {
    const asNobody = (...args: string[]): number | null => spawnSync('runuser', ['-u', 'nobody', '--', ...args]).status
    writeFileSync(join(dir, 'public.txt'), 'anyone may read this\n', { mode: 0o644 })
    assert.equal(asNobody('cat', join(dir, 'public.txt')), 0, 'nobody can read an open file beside it (the check works)')
    assert.notEqual(asNobody('cat', join(dir, 'a', 'agent.json')), 0, 'the token')
    assert.notEqual(asNobody('ls', join(dir, 'a', 'db')), 0, 'the database with the key')
    // And with the data directory's mode forced open, the files themselves still refuse.
    chmodSync(join(dir, 'a'), 0o755)
    assert.notEqual(asNobody('cat', join(dir, 'a', 'agent.json')), 0, 'agent.json is 0600 itself')
    chmodSync(join(dir, 'a'), 0o700)
  } finally {
    await stopAgent(a)
    rmSync(dir, { recursive: true, force: true })
  }
})

test('an agent whose data directory or key file is open to others refuses to start, with the chmod to run', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-refuse-'))
  try {
    const agentRefuses = async (data: string, args: string[], want: RegExp): Promise<void> => {
      await assert.rejects(spawnAgent(data, ['--listen', '/ip4/127.0.0.1/tcp/0', ...args]), (err: Error) => {
        const lines = err.message.replace(/^agent exited with 2: /, '').trim().split('\n')
        assert.equal(lines.length, 1, `one line: ${err.message}`)
        assert.match(lines[0]!, want)
        return true
      })
    }
    // A data directory made open (an older grapevine, or a hand-made folder).
    const open = join(dir, 'open')
    const a = await spawnAgent(open, ['--listen', '/ip4/127.0.0.1/tcp/0'])
    await stopAgent(a)
    chmodSync(open, 0o755)
    await agentRefuses(open, [], new RegExp(`^grapevine: the data directory ${open} is open to other users \\(mode 0755\\); run: chmod 700 ${open}$`))
    // The database (the node's key) open to others inside a private folder.
    chmodSync(open, 0o700)
    chmodSync(join(open, 'db'), 0o755)
    await agentRefuses(open, [], new RegExp(`run: chmod 700 ${join(open, 'db')}$`))
    // A pre-shared key readable by others.
    const key = join(dir, 'swarm.key')
    execFileSync(process.execPath, [MAIN, 'keygen', key])
    chmodSync(key, 0o644)
    await agentRefuses(join(dir, 'b'), ['--psk', key], new RegExp(`^grapevine: the pre-shared key file ${key} is open to other users \\(mode 0644\\); run: chmod 600 ${key}$`))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
