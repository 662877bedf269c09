/**
 * The cluster console's server side, on the agent's control server (127.0.0.1; the API's Host check
 * applies first): a login by one-time link, a session cookie, the page and its script, and the JSON and
 * event-stream endpoints the page (web/console.ts) reads.
 *
 *   GET  /ui/login?code=C     a valid code (single use, 10 min) → a session cookie and 303 → /ui/
 *   GET  /ui/                 the page (an HTML shell loading /ui/assets/console.js)
 *   GET  /ui/assets/console.js   dist/web/console.js
 *   GET  /ui/api/cluster      { self, now, nodes: [{ id, ageMs, version, summary }] } from the replicated state
 *   GET  /ui/api/info         as GET /v1/info
 *   GET  /ui/api/metrics      { time, values: { name: number } }
 *   GET  /ui/api/state        { origins: [{ origin, entries, tombstones, maxVersion, generation, bytes }] (≤ 1,000), total, truncated, behind: [{ peer, versionsBehind }] (≤ 100) }
 *   GET  /ui/api/subscribe?topic=T   text/event-stream, one `data:` event per message
 *   POST /ui/api/publish {topic, data, encoding?}   as POST /v1/publish
 *   POST /ui/api/broadcast {data, encoding?}        → { id }
 *
 * The token never travels in a URL: a login link carries a one-time code (32 random bytes, base64url), made
 * at the agent's start (it prints the link) or on `POST /v1/ui/login` (token-authenticated; `grapevine ui`).
 * Redeeming it makes a session (32 random bytes, in memory, at most MAX_SESSIONS: the oldest goes; ends
 * after 12 h idle) held in a cookie `grapevine_ui` (HttpOnly, SameSite=Strict, Path=/ui). Codes and sessions
 * are kept as SHA-256 hashes. Every /ui request needs the session except the login; a request with an
 * Origin header is refused unless it is the agent's own origin; a POST also needs
 * `Content-Type: application/json` and `X-Grapevine-UI: 1`, which no cross-site form can send.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { fileURLToPath } from 'node:url'
import { Collector, flatValues, type MetricsSource } from '../metrics/catalog.js'
import type { GrapevineNode } from '../node/node.js'
import { readSummaries } from '../node/summary.js'
import { bytesOf, dataOut, HttpError, publish, readJson, reply, str } from './http.js'

export const COOKIE = 'grapevine_ui'
export const CODE_TTL_MS = 10 * 60_000
export const SESSION_IDLE_MS = 12 * 3600_000
export const MAX_SESSIONS = 32
/** Login codes outstanding at once (the oldest goes). */
const MAX_CODES = 32
/** Origins listed by /ui/api/state. */
const MAX_ORIGINS = 1000
/** Nodes listed as behind in /ui/api/state. */
const MAX_BEHIND = 100

/** The compiled console script: dist/web/console.js, beside dist/src/agent/ui.js's tree. */
const CONSOLE_JS = fileURLToPath(new URL('../../web/console.js', import.meta.url))

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff'
}

/** The page: a shell the script fills. */
export const SHELL = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>grapevine console</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"></div>
<script type="module" src="/ui/assets/console.js"></script>
</body>
</html>
`

const page = (title: string, text: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head>
<body><h1>${title}</h1><p>${text}</p></body></html>
`

const NEED_LOGIN = 'open the login link <code>grapevine agent</code> printed, or run <code>grapevine ui</code> for a new one'

const sha = (s: string): string => createHash('sha256').update(s).digest('hex')

export interface ConsoleOptions {
  /** The agent's TCP port (for login links and the allowed Origins), known once it listens. */
  port: () => number
  /** What /ui/api/metrics reads (default: the node alone). */
  metrics?: MetricsSource
  /** The console script (default: dist/web/console.js). */
  script?: string
  /** The wall clock (ms). */
  now?: () => number
}

export class Console {
  /** sha256(code) → expiry. */
  private readonly codes = new Map<string, number>()
  /** sha256(session) → last use; in insertion (= last use) order. */
  private readonly sessions = new Map<string, number>()
  private readonly collector: Collector
  private readonly now: () => number

  constructor (private readonly node: GrapevineNode, private readonly options: ConsoleOptions) {
    this.collector = new Collector(options.metrics ?? { node })
    this.now = options.now ?? Date.now
  }

  /** A new one-time login link. */
  loginUrl (): string {
    const code = randomBytes(32).toString('base64url')
    const now = this.now()
    for (const [h, exp] of this.codes) if (exp <= now) this.codes.delete(h)
    while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value!)
    this.codes.set(sha(code), now + CODE_TTL_MS)
    return `http://127.0.0.1:${this.options.port()}/ui/login?code=${code}`
  }

  /** Open sessions (for tests and info). */
  get sessionCount (): number {
    return this.sessions.size
  }

  /** Answers a request under /ui (the Host check was made). */
  async handle (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // On every answer of the console's, refusals and failures included.
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    const path = url.pathname
    const m = req.method ?? 'GET'
    const api = path.startsWith('/ui/api/')
    this.checkOrigin(req, api)
    if (path === '/ui') {
      res.writeHead(303, { ...SECURITY_HEADERS, location: '/ui/' })
      res.end()
      return
    }
    if (path === '/ui/login' && m === 'GET') return this.login(url, res)
    this.checkSession(req, api)
    if (m === 'POST') {
      if (req.headers['x-grapevine-ui'] !== '1') throw new HttpError(403, 'csrf', 'the console\'s POSTs carry the header "X-Grapevine-UI: 1"')
      if (req.headers['content-type']?.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
        throw new HttpError(415, 'contentType', 'send the body as JSON with "Content-Type: application/json"')
      }
    }
    if (m === 'GET' && path === '/ui/') return this.send(res, 200, 'text/html; charset=utf-8', SHELL)
    if (m === 'GET' && path === '/ui/assets/console.js') {
      let js: Buffer
      try {
        js = await readFile(this.options.script ?? CONSOLE_JS)
      } catch {
        throw new HttpError(404, 'notFound', 'the console script is not built: run "npm run build" (it bundles web/console.ts into dist/web/console.js)')
      }
      return this.send(res, 200, 'text/javascript; charset=utf-8', js)
    }
    if (m === 'GET' && path === '/ui/api/cluster') return this.json(res, this.cluster())
    if (m === 'GET' && path === '/ui/api/info') return this.json(res, this.node.info())
    if (m === 'GET' && path === '/ui/api/metrics') return this.json(res, { time: this.now(), values: flatValues(this.collector) })
    if (m === 'GET' && path === '/ui/api/state') return this.json(res, this.state())
    if (m === 'GET' && path === '/ui/api/subscribe') return await this.subscribe(str(url.searchParams.get('topic'), 'topic'), req, res)
    if (m === 'POST' && path === '/ui/api/publish') {
      const body = await readJson(req)
      return await publish(this.node, { topic: body.topic, data: body.data, encoding: body.encoding }, res)
    }
    if (m === 'POST' && path === '/ui/api/broadcast') {
      const body = await readJson(req)
      return this.json(res, { id: this.node.broadcast(bytesOf(body.data, body.encoding, 'data')) })
    }
    throw new HttpError(404, 'notFound', `no such console endpoint: ${m} ${path.slice(0, 100)}`, api ? undefined : page('Not found', 'no such page'))
  }

  private checkOrigin (req: IncomingMessage, api: boolean): void {
    const origin = req.headers.origin
    if (origin === undefined) return
    const port = this.options.port()
    if (origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`) return
    throw new HttpError(403, 'origin', `requests from another origin (${origin.slice(0, 100)}) are refused: the console is served at http://127.0.0.1:${port}/ui/`,
      api ? undefined : page('Refused', 'requests from another site are refused'))
  }

  private login (url: URL, res: ServerResponse): void {
    const code = url.searchParams.get('code') ?? ''
    const h = sha(code)
    const exp = this.codes.get(h)
    const now = this.now()
    if (exp === undefined || exp <= now) {
      if (exp !== undefined) this.codes.delete(h)
      throw new HttpError(403, 'login', 'the login link is invalid, used or expired',
        page('This login link does not work', 'it is invalid, was used already or expired (links work once, for 10 minutes): run <code>grapevine ui</code> for a new link'))
    }
    this.codes.delete(h)
    const session = randomBytes(32).toString('base64url')
    for (const [s, last] of this.sessions) if (now - last > SESSION_IDLE_MS) this.sessions.delete(s)
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!)
    this.sessions.set(sha(session), now)
    res.writeHead(303, { ...SECURITY_HEADERS, location: '/ui/', 'set-cookie': `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/ui` })
    res.end()
  }

  private checkSession (req: IncomingMessage, api: boolean): void {
    const value = cookie(req.headers.cookie, COOKIE)
    const now = this.now()
    const h = value === undefined ? undefined : sha(value)
    const last = h === undefined ? undefined : this.sessions.get(h)
    if (h !== undefined && last !== undefined && now - last <= SESSION_IDLE_MS) {
      // Most recently used last: the oldest is the first to go.
      this.sessions.delete(h)
      this.sessions.set(h, now)
      return
    }
    if (h !== undefined && last !== undefined) this.sessions.delete(h)
    throw new HttpError(401, 'session', `${value === undefined ? 'no console session' : 'the console session is unknown or expired'}: open the login link "grapevine agent" printed, or run "grapevine ui"`,
      api ? undefined : page('Log in to the grapevine console', NEED_LOGIN))
  }

  private send (res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) })
    res.end(body)
  }

  private json (res: ServerResponse, body: unknown): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v)
    reply(res, 200, body)
  }

  private cluster (): unknown {
    const now = this.now()
    return {
      self: this.node.peerId,
      now,
      nodes: readSummaries(this.node).map(s => ({ id: s.origin, ageMs: Math.max(0, now - s.summary.time), version: s.version, summary: s.summary }))
    }
  }

  private state (): unknown {
    const by = new Map<string, { origin: string, entries: number, tombstones: number, maxVersion: number, generation: number, bytes: number }>()
    for (const { origin, entry } of this.node.cores.state.allEntries()) {
      let o = by.get(origin)
      if (o === undefined) {
        const meta = this.node.cores.state.originMeta(origin)
        o = { origin, entries: 0, tombstones: 0, maxVersion: meta?.known ?? 0, generation: meta?.generation ?? 0, bytes: 0 }
        by.set(origin, o)
      }
      if (entry.deleted) o.tombstones++
      else o.entries++
      o.maxVersion = Math.max(o.maxVersion, entry.version)
      o.bytes += entry.key.length + entry.value.length
    }
    const all = [...by.values()].sort((a, b) => b.bytes - a.bytes || (a.origin < b.origin ? -1 : 1))
    // How far each node is behind: the versions it has not yet received, from the nodes' summaries (each
    // says the sum of the highest versions it knows, one per origin): the most any summary says, minus its.
    // As fresh as the summaries (rewritten every 5 s when they change); at most MAX_BEHIND listed.
    const sums = readSummaries(this.node).map(({ origin, summary }) => ({ peer: origin, versions: Number(summary.state?.versions) || 0 }))
    const most = Math.max(0, ...sums.map(s => s.versions))
    const behind = sums.map(s => ({ peer: s.peer, versionsBehind: most - s.versions })).filter(b => b.versionsBehind > 0)
      .sort((a, b) => b.versionsBehind - a.versionsBehind).slice(0, MAX_BEHIND)
    return { origins: all.slice(0, MAX_ORIGINS), total: all.length, truncated: all.length > MAX_ORIGINS, behind }
  }

  private async subscribe (topic: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const sub = this.node.pubsub.join(topic).subscribe({ bufferSize: 4096 })
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' })
    res.write(': subscribed\n\n')
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000)
    ping.unref()
    const stop = (): void => {
      clearInterval(ping)
      sub.cancel()
    }
    req.on('close', stop)
    res.on('close', stop)
    for await (const msg of sub) {
      const d = dataOut(msg.data)
      const event = { id: Buffer.from(msg.id).toString('hex'), from: msg.from, data: d.data, ...(d.encoding === 'base64' ? { encoding: 'base64' } : {}), receivedAt: Date.now(), dropped: sub.dropped }
      if (!res.write(`data: ${JSON.stringify(event)}\n\n`)) await new Promise(resolve => res.once('drain', resolve))
    }
    clearInterval(ping)
    // The subscription ended on our side (the agent is stopping): an `end` event says so, then the stream ends.
    if (!res.destroyed) res.end(`event: end\ndata: ${JSON.stringify({ error: 'the agent stopped', code: 'ERR_STOPPED' })}\n\n`)
  }
}

/** The value of cookie `name` in a Cookie header. */
function cookie (header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim()
  }
  return undefined
}
