// The cluster console's server side against three real agent processes: the login link (printed at start,
// and made again by `grapevine ui`) works once and sets a locked-down cookie; every /ui path is refused
// without it, with a foreign Origin, and a POST without X-Grapevine-UI; with it, /ui/api/cluster lists every
// agent from the replicated state, and a message published through one agent's /ui/api/publish arrives on
// another's /ui/api/subscribe event stream, which ends cleanly when that agent stops.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { api, spawnAgent, stopAgent, waitUntil, type RunningAgent } from '../../src/agent/cluster.js'

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))
const run = async (...args: string[]): Promise<string> => (await promisify(execFile)(process.execPath, [MAIN, ...args])).stdout

interface Answer { status: number, headers: IncomingHttpHeaders, text: string }

async function send (base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  const url = new URL(base)
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: url.port, method, path, headers }, res => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Logs in with a link; returns the Cookie header to send. */
async function login (link: string): Promise<string> {
  const u = new URL(link)
  const r = await send(link, 'GET', u.pathname + u.search)
  assert.equal(r.status, 303, r.text)
  assert.equal(r.headers.location, '/ui/')
  const set = r.headers['set-cookie']![0]!
  return set.split(';')[0]!
}

/** An event stream's `data:` events, parsed, into `onEvent`; `ended` resolves when the agent ends the stream. */
function events (base: string, path: string, cookie: string, onEvent: (name: string, data: Record<string, unknown>) => void): { open: Promise<number>, ended: Promise<void>, stop: () => void } {
  const url = new URL(base)
  let opened!: (status: number) => void
  const open = new Promise<number>(resolve => { opened = resolve })
  let ended!: () => void
  const endedP = new Promise<void>(resolve => { ended = resolve })
  const req = request({ host: '127.0.0.1', port: url.port, path, headers: { Cookie: cookie } }, res => {
    opened(res.statusCode!)
    assert.match(res.headers['content-type'] ?? '', /^text\/event-stream/)
    let buf = ''
    res.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      let i
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i)
        buf = buf.slice(i + 2)
        let name = 'message'
        let data = ''
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) name = line.slice(7)
          if (line.startsWith('data: ')) data += line.slice(6)
        }
        if (data !== '') onEvent(name, JSON.parse(data) as Record<string, unknown>)
      }
    })
    res.on('end', () => ended())
    res.on('error', () => ended())
  })
  req.on('error', () => ended())
  req.end()
  return { open, ended: endedP, stop: () => req.destroy() }
}

test('cluster console: login link once, cookie, refusals, the cluster from summaries, publish and subscribe', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grapevine-console-'))
  const agents: RunningAgent[] = []
  try {
    const listen = ['--listen', '/ip4/127.0.0.1/tcp/0']
    const a = await spawnAgent(join(dir, 'a'), listen)
    agents.push(a)
    const b = await spawnAgent(join(dir, 'b'), [...listen, '--bootstrap', a.record.multiaddrs[0]!])
    agents.push(b)
    const c = await spawnAgent(join(dir, 'c'), [...listen, '--bootstrap', a.record.multiaddrs[0]!])
    agents.push(c)
    const A = a.record.api
    const port = new URL(A).port

    // The printed link: a one-time code in base64url, the token nowhere in it.
    const link = a.record.login!
    assert.match(link, new RegExp(`^http://127\\.0\\.0\\.1:${port}/ui/login\\?code=[A-Za-z0-9_-]{43}$`))
    assert.ok(!link.includes(a.record.token))

    // Without a session: the page and the script answer a 401 page, the endpoints a 401 JSON.
    for (const path of ['/ui/', '/ui/assets/console.js']) {
      const r = await send(A, 'GET', path)
      assert.equal(r.status, 401, path)
      assert.match(r.headers['content-type']!, /text\/html/)
      assert.match(r.text, /grapevine ui/)
      assert.equal(r.headers['x-frame-options'], 'DENY')
    }
    for (const path of ['/ui/api/cluster', '/ui/api/info', '/ui/api/metrics', '/ui/api/state', '/ui/api/subscribe?topic=x']) {
      const r = await send(A, 'GET', path, { Cookie: 'grapevine_ui=forged' })
      assert.equal(r.status, 401, path)
      assert.match((JSON.parse(r.text) as { error: string }).error, /grapevine ui/)
    }
    // The token is no key to the console, nor the session to the API.
    assert.equal((await send(A, 'GET', '/ui/api/info', { Authorization: `Bearer ${a.record.token}` })).status, 401)

    // The link works once; the cookie is HttpOnly, SameSite=Strict, Path=/ui.
    const u = new URL(link)
    const first = await send(A, 'GET', u.pathname + u.search)
    assert.equal(first.status, 303)
    const set = first.headers['set-cookie']![0]!
    assert.match(set, /^grapevine_ui=[A-Za-z0-9_-]{43}; /)
    for (const attr of ['HttpOnly', 'SameSite=Strict', 'Path=/ui']) assert.ok(set.split('; ').includes(attr), `${attr} in ${set}`)
    const cookie = set.split(';')[0]!
    const again = await send(A, 'GET', u.pathname + u.search)
    assert.equal(again.status, 403)
    assert.match(again.text, /grapevine ui/)
    assert.equal((await send(A, 'GET', '/ui/login?code=nonsense')).status, 403)

    // `grapevine ui` makes a new link, which works once too.
    const fresh = (JSON.parse(await run('ui', '--data-dir', join(dir, 'a'), '--json')) as { url: string }).url
    assert.notEqual(fresh, link)
    const cookie2 = await login(fresh)
    assert.notEqual(cookie2, cookie)
    assert.equal((await send(A, 'GET', new URL(fresh).pathname + new URL(fresh).search)).status, 403)
    assert.match(await run('ui', '--data-dir', join(dir, 'a')), /^http:\/\/127\.0\.0\.1:\d+\/ui\/login\?code=/)

    // With the session: the page, with its security headers.
    const page = await send(A, 'GET', '/ui/', { Cookie: cookie })
    assert.equal(page.status, 200)
    assert.match(page.text, /<div id="app"><\/div>/)
    assert.match(page.text, /<script type="module" src="\/ui\/assets\/console\.js"><\/script>/)
    assert.equal(page.headers['content-security-policy'], "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'")
    assert.equal(page.headers['x-frame-options'], 'DENY')
    assert.equal(page.headers['referrer-policy'], 'no-referrer')
    assert.equal(page.headers['cache-control'], 'no-store')
    const script = await send(A, 'GET', '/ui/assets/console.js', { Cookie: cookie })
    if (script.status === 200) assert.match(script.headers['content-type']!, /javascript/)
    else {
      assert.equal(script.status, 404, 'the script, or a clear 404 when it is not built')
      assert.match(script.text, /npm run build/)
    }

    // A foreign Origin is refused, the agent's own accepted; a POST needs X-Grapevine-UI and JSON.
    for (const Origin of ['https://evil.example', `http://127.0.0.1:${Number(port) + 1}`, 'null']) {
      const r = await send(A, 'GET', '/ui/api/info', { Cookie: cookie, Origin })
      assert.equal(r.status, 403, Origin)
    }
    for (const Origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      assert.equal((await send(A, 'GET', '/ui/api/info', { Cookie: cookie, Origin })).status, 200, Origin)
    }
    const post = { Cookie: cookie, 'Content-Type': 'application/json' }
    const body = JSON.stringify({ topic: 'news', data: 'x' })
    const noHeader = await send(A, 'POST', '/ui/api/publish', post, body)
    assert.equal(noHeader.status, 403)
    assert.match(noHeader.text, /X-Grapevine-UI/)
    assert.equal((await send(A, 'POST', '/ui/api/publish', { Cookie: cookie, 'X-Grapevine-UI': '1', 'Content-Type': 'text/plain' }, body)).status, 415)
    assert.equal((await send(A, 'POST', '/ui/api/publish', { ...post, 'X-Grapevine-UI': '1', Origin: 'https://evil.example' }, body)).status, 403)
    const bc = await send(A, 'POST', '/ui/api/broadcast', { ...post, 'X-Grapevine-UI': '1' }, JSON.stringify({ data: 'hello all' }))
    assert.equal(bc.status, 200)
    assert.equal(typeof (JSON.parse(bc.text) as { id: string }).id, 'string')

    // The cluster, from the summaries in A's replicated state: all three agents within a few seconds.
    const ids = [a, b, c].map(x => x.record.peerId).sort()
    let cluster: { self: string, now: number, nodes: Array<{ id: string, ageMs: number, summary: { active: string[] } }> } | undefined
    await waitUntil('A\'s console to list the three agents', async () => {
      cluster = JSON.parse((await send(A, 'GET', '/ui/api/cluster', { Cookie: cookie })).text) as typeof cluster
      return cluster!.nodes.length === 3 && cluster!.nodes.every(n => n.summary.active.length > 0)
    }, 15_000, 200)
    assert.equal(cluster!.self, a.record.peerId)
    assert.deepEqual(cluster!.nodes.map(n => n.id).sort(), ids)
    assert.ok(cluster!.nodes.every(n => n.ageMs >= 0 && n.ageMs < 60_000))

    const info = JSON.parse((await send(A, 'GET', '/ui/api/info', { Cookie: cookie })).text) as { peerId: string }
    assert.equal(info.peerId, a.record.peerId)
    const metrics = JSON.parse((await send(A, 'GET', '/ui/api/metrics', { Cookie: cookie })).text) as { time: number, values: Record<string, number> }
    assert.equal(typeof metrics.values['grapevine_dropped_total{reason="queue_full"}'], 'number')
    assert.equal(typeof metrics.values.grapevine_hyparview_active_peers, 'number')
    const state = JSON.parse((await send(A, 'GET', '/ui/api/state', { Cookie: cookie })).text) as { origins: Array<{ origin: string, entries: number }>, behind: unknown[] }
    assert.deepEqual(state.origins.map(o => o.origin).sort(), ids)
    assert.ok(Array.isArray(state.behind))
    // Summaries are out of application listings unless asked.
    const kv = await api<Array<{ key: string }>>(a, 'GET', '/v1/kv')
    assert.ok(!kv.some(e => e.key.startsWith('_grapevine/')))
    assert.ok((await api<Array<{ key: string }>>(a, 'GET', '/v1/kv?reserved=1')).some(e => e.key === '_grapevine/summary'))
    const put = await send(A, 'PUT', '/v1/kv/_grapevine%2Fsummary', { Authorization: `Bearer ${a.record.token}`, 'Content-Type': 'application/json' }, '{"value":"x"}')
    assert.equal(put.status, 400)
    assert.match(put.text, /reserved/)

    // A message published through B's console arrives on A's console event stream.
    const cookieB = await login(b.record.login!)
    const got: Array<Record<string, unknown>> = []
    let endEvent = false
    const sse = events(A, '/ui/api/subscribe?topic=news', cookie, (name, d) => {
      if (name === 'end') endEvent = true
      else got.push(d)
    })
    assert.equal(await sse.open, 200)
    await waitUntil('a message published at B to arrive on A\'s event stream', async () => {
      const r = await send(b.record.api, 'POST', '/ui/api/publish', { Cookie: cookieB, 'Content-Type': 'application/json', 'X-Grapevine-UI': '1' }, JSON.stringify({ topic: 'news', data: 'hello console' }))
      assert.equal(r.status, 200, r.text)
      return got.length > 0
    }, 20_000, 300)
    assert.equal(got[0]!.data, 'hello console')
    assert.equal(got[0]!.from, b.record.peerId)
    assert.equal(typeof got[0]!.id, 'string')
    assert.equal(typeof got[0]!.receivedAt, 'number')

    // Refusals are counted by reason.
    const refused = (await api<{ api: { refused: Record<string, number> } }>(a, 'GET', '/v1/info')).api.refused
    assert.ok(refused.session! >= 8, JSON.stringify(refused))
    assert.ok(refused.login! >= 3)
    assert.ok(refused.csrf! >= 1)
    assert.ok(refused.origin! >= 4)
    assert.doesNotMatch(a.stderr(), new RegExp(u.searchParams.get('code')!), 'no login code in the log')

    // The agent stops: the stream ends with an `end` event.
    await stopAgent(a)
    await sse.ended
    assert.equal(endEvent, true)
  } finally {
    await Promise.all(agents.map(async x => await stopAgent(x)))
    rmSync(dir, { recursive: true, force: true })
  }
})

test('grapevine demo --ui: after the demo the agents keep running and the printed login link opens the console', { timeout: 120_000 }, async () => {
  const { demo } = await import('../../src/cli/demo.js')
  let stop!: () => void
  const until = new Promise<void>(resolve => { stop = resolve })
  const lines: string[] = []
  let link = ''
  const done = demo(line => {
    lines.push(line)
    const m = /(http:\/\/127\.0\.0\.1:\d+\/ui\/login\?code=\S+)/.exec(line)
    if (m !== null) link = m[1]!
  }, 3, { ui: true, until })
  try {
    await waitUntil('the login link', () => link !== '', 90_000)
    const cookie = await login(link)
    const page = await send(link, 'GET', '/ui/', { Cookie: cookie })
    assert.equal(page.status, 200)
    assert.match(page.text, /\/ui\/assets\/console\.js/)
  } finally {
    stop()
    assert.equal(await done, 0)
  }
  assert.match(lines.at(-1)!, /stopping the agents/)
})
