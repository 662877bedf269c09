/**
 * The agent's local control API: HTTP with JSON bodies on 127.0.0.1 (and, if asked, a unix socket), so
 * the CLI (and any local program) can drive a running node. Values travel as UTF-8 text, or base64 with
 * `"encoding": "base64"`; `GET /v1/subscribe?topic=T` streams messages as NDJSON until the client hangs up.
 *
 *   GET    /v1/info                    the node: peer id, addresses, members, topics, counters; `api`: this API's
 *   GET    /v1/members                 { active, passive }
 *   POST   /v1/publish   {topic, data, encoding?, minPeers?, timeoutMs?, slowPeerMs?}
 *                                 → { id, recipients, skipped, skippedPeers, reason? } once queued (waits
 *                                   for room in the peers' send queues; 503 ERR_BACKPRESSURE if none came)
 *   GET    /v1/subscribe?topic=T       NDJSON: { topic, id, from, receivedFrom, data, encoding, dropped }
 *   POST   /v1/broadcast {data, encoding?}               → { id }
 *   GET    /v1/kv?origin=&prefix=&reserved=1   [ { origin, key, value, encoding, version } ] (grapevine's
 *                                      own keys, e.g. _grapevine/summary, only with reserved=1)
 *   GET    /v1/kv/KEY?origin=O         one entry, 404 if absent
 *   PUT    /v1/kv/KEY    {value, encoding?}              → the entry written
 *   DELETE /v1/kv/KEY                  { deleted }
 *   POST   /v1/ui/login                → { url }: a new one-time login link of the cluster console (./ui.ts)
 *   GET    /metrics                    Prometheus text format (src/metrics; ARCHITECTURE.md §14), when the agent
 *                                      is given a registry; the same checks as every route (a scraper sends the token)
 *
 * Paths under /ui are the cluster console's (./ui.ts): after the Host check, they authenticate with a
 * session cookie (from a one-time login link) instead of the token, under their own rules.
 *
 * Locked down, because any local program (and any web page, through the browser) can reach 127.0.0.1.
 * Before a route runs, a request is refused when:
 *   - its Host is not 127.0.0.1, localhost or [::1] (a page on a DNS-rebound name)     421
 *   - it carries an Origin header (only browsers send one; no page may drive a node)  403
 *   - it lacks `Authorization: Bearer <token>` with the agent's token (compared in constant time) 401
 *   - it has a body that is not `Content-Type: application/json`                        415
 * and a path with a malformed percent-escape is a 400. Every refusal answers JSON saying what to do, is
 * counted (`api.refused` in /v1/info) and is logged with its reason (never a secret).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, lstatSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { GrapevineError, UsageError } from '../core/errors.js'
import type { GrapevineNode } from '../node/node.js'
import { Counter, type Registry } from 'prom-client'
import { createLogger, type Logger } from '../metrics/log.js'
import type { MetricsSource } from '../metrics/catalog.js'
import { Console, SECURITY_HEADERS } from './ui.js'
import { bytesOf, dataOut, HttpError, printable, publish, readJson, reply, str, valueOut, type Refusals } from './http.js'

const LOCAL_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i

/** A new control-API token: 32 random bytes in hex. */
export function newToken (): string {
  return randomBytes(32).toString('hex')
}

export interface ApiOptions {
  /** The bearer token every request must carry. */
  token: string
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  port?: number
  /** A unix socket to serve on as well (made 0600). */
  socket?: string
  /** Where the token is kept, named in the 401 answer (e.g. DIR/agent.json). */
  tokenFile?: string
  /** One line per refusal (default: the logger, at level warn). */
  log?: (line: string) => void
  /** Where refusals and failures are logged (default: stderr at level 'info'). */
  logger?: Logger
  /** Served as `GET /metrics` (e.g. promRegistry(node) from src/metrics/prom.ts); the API's own counters are added to it. */
  metrics?: Registry
  /** What the console's /ui/api/metrics reads (default: the node alone; metricsSource(node) adds the send queues). */
  metricsSource?: MetricsSource
  /** The console's script (default: dist/web/console.js). */
  consoleScript?: string
}

export type { Refusals }

export interface ApiStats {
  requests: number
  refused: Refusals
}

export interface ApiServer {
  url: string
  /** A new one-time login link of the cluster console. */
  loginUrl: () => string
  socket: string | null
  stats: ApiStats
  close: () => Promise<void>
}

export async function startApi (node: GrapevineNode, options: ApiOptions): Promise<ApiServer> {
  const logger = options.logger ?? (options.log === undefined ? createLogger() : undefined)
  const log = options.log ?? ((line: string) => logger!.warn(line))
  const fail = options.log ?? ((line: string) => logger!.error(line))
  const stats: ApiStats = { requests: 0, refused: { host: 0, origin: 0, token: 0, contentType: 0, badRequest: 0, tooLarge: 0, notFound: 0, backpressure: 0, session: 0, login: 0, csrf: 0 } }
  if (options.metrics !== undefined) apiMetrics(options.metrics, stats)
  const tokenHash = sha256(options.token)
  const tokenFile = options.tokenFile ?? 'the agent\'s agent.json'
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++
    const answer = async (): Promise<void> => {
      checkHost(req)
      const url = target(req)
      if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) return await ui.handle(req, res, url)
      admit(req, tokenHash, tokenFile)
      await route(node, stats, req, res, url, ui, options.metrics)
    }
    answer().catch(err => {
      if (err instanceof HttpError) {
        stats.refused[err.reason]++
        // (a login code in the URL is not logged)
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable((req.url ?? '').replace(/([?&]code=)[^&]*/, '$1…'))}: ${err.status} ${err.reason} (${err.message})`)
        if (err.html !== undefined) {
          if (!res.headersSent) res.writeHead(err.status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(err.html) })
          res.end(err.html)
        } else {
          reply(res, err.status, { error: err.message })
        }
      } else if (err instanceof GrapevineError && err.code === 'ERR_RECOVERING') {
        // Not the caller's fault: the node is taking its own entries back from peers; retry shortly.
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable(req.url ?? '')}: 503 recovering`)
        res.setHeader('retry-after', '2')
        reply(res, 503, { error: err.message })
      } else if (err instanceof GrapevineError && err.code === 'ERR_STOPPED') {
        // The agent is stopping: nothing more is done; the caller should not retry here.
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable(req.url ?? '')}: 503 stopping`)
        reply(res, 503, { error: err.message })
      } else if (err instanceof GrapevineError && err.code === 'ERR_BACKPRESSURE') {
        // The peers take messages slower than they come: the caller should slow down and retry.
        stats.refused.backpressure++
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable(req.url ?? '')}: 503 backpressure`)
        res.setHeader('retry-after', '1')
        reply(res, 503, { error: err.message, code: err.code })
      } else if (err instanceof GrapevineError && err.fault === 'caller') {
        stats.refused.badRequest++
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable(req.url ?? '')}: 400 badRequest (${err.message})`)
        reply(res, 400, { error: err.message })
      } else {
        fail(`grapevine agent: ${req.method ?? '?'} ${printable(req.url ?? '')} failed: ${(err as Error).stack ?? String(err)}`)
        reply(res, 500, { error: `internal error: ${(err as Error).message} (please report)` })
      }
    })
  }
  // Requests Node's HTTP parser cannot read never reach `serve`: refused here (a client hanging up is not).
  const malformed = (err: NodeJS.ErrnoException, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy()
      return
    }
    stats.refused.badRequest++
    log(`grapevine agent: refused a malformed HTTP request: 400 badRequest (${printable(err.code ?? err.message)})`)
    const body = JSON.stringify({ error: 'the request is not well-formed HTTP/1.1' })
    socket.end(`HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`)
  }
  const servers: Server[] = []
  let port = 0
  const ui = new Console(node, { port: () => port, ...(options.metricsSource !== undefined ? { metrics: options.metricsSource } : {}), ...(options.consoleScript !== undefined ? { script: options.consoleScript } : {}) })
  let ownSocket = false
  const close = async (): Promise<void> => {
    for (const s of servers) {
      s.closeAllConnections()
      await new Promise<void>(resolve => s.close(() => resolve()))
    }
    if (ownSocket) rmSync(options.socket!, { force: true })
  }
  const serveOn = async (start: (s: Server) => void): Promise<Server> => {
    const server = createServer(serve).on('clientError', malformed)
    await listen(server, start)
    servers.push(server)
    return server
  }
  try {
    const tcp = await serveOn(s => s.listen(options.port ?? 0, '127.0.0.1'))
    port = (tcp.address() as AddressInfo).port
    if (options.socket !== undefined) {
      const path = options.socket
      clearStaleSocket(path)
      await serveOn(s => s.listen(path))
      ownSocket = true
      if (process.platform !== 'win32') chmodSync(path, 0o600)
    }
    return { url: `http://127.0.0.1:${port}`, loginUrl: () => ui.loginUrl(), socket: options.socket ?? null, stats, close }
  } catch (err) {
    await close()
    throw err
  }
}

async function listen (server: Server, start: (s: Server) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      resolve()
    })
    start(server)
  })
}

/** A socket left by an agent that did not stop cleanly is removed; anything else at that path is refused. */
function clearStaleSocket (path: string): void {
  let st
  try {
    st = lstatSync(path)
  } catch {
    return
  }
  if (!st.isSocket()) throw new UsageError('ERR_SOCKET', `--socket ${path} exists and is not a socket: choose another path`)
  rmSync(path)
}

/** Every request, the console's included, names this machine as its Host (no DNS rebinding). */
function checkHost (req: IncomingMessage): void {
  const host = req.headers.host
  if (host === undefined || !LOCAL_HOST.test(host)) {
    throw new HttpError(421, 'host', `this agent answers only to Host 127.0.0.1, localhost or [::1] (got ${printable(host ?? '(none)')}): call it as http://127.0.0.1:PORT`)
  }
}

function target (req: IncomingMessage): URL {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1')
  } catch {
    throw new HttpError(400, 'badRequest', 'the request target is not a path')
  }
}

/** The checks every API request passes before its route runs (see the header). */
function admit (req: IncomingMessage, tokenHash: Buffer, tokenFile: string): void {
  if (req.headers.origin !== undefined) {
    throw new HttpError(403, 'origin', 'requests with an Origin header (from web pages) are refused: call the API from a local program or the grapevine CLI')
  }
  const auth = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  if (auth === null) throw new HttpError(401, 'token', `send the agent's token as "Authorization: Bearer <token>"; it is the "token" field of ${tokenFile} (the grapevine CLI reads it from there)`)
  if (!timingSafeEqual(sha256(auth[1]!), tokenHash)) throw new HttpError(401, 'token', `the token does not match: an agent makes a new one each start; read it again from ${tokenFile}`)
  const hasBody = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH' || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined
  if (hasBody && req.headers['content-type']?.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new HttpError(415, 'contentType', `send the body as JSON with "Content-Type: application/json" (got ${printable(req.headers['content-type'] ?? '(none)')})`)
  }
}

/** Hashes of equal length, so the comparison's time says nothing about the token. */
function sha256 (s: string): Buffer {
  return createHash('sha256').update(s).digest()
}

function decodeKey (raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError(400, 'badRequest', 'the key has a malformed percent-escape: encode keys with encodeURIComponent')
  }
}

/** The API's own counters, read from `stats` at scrape time. */
function apiMetrics (registry: Registry, stats: ApiStats): void {
  new Counter({
    name: 'grapevine_api_requests_total',
    help: 'Control API requests, refused ones included.',
    registers: [registry],
    collect () {
      this.reset()
      this.inc(stats.requests)
    }
  })
  new Counter({
    name: 'grapevine_api_refused_total',
    help: 'Control API requests refused, by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect () {
      this.reset()
      for (const [reason, n] of Object.entries(stats.refused)) this.inc({ reason }, n)
    }
  })
}

async function route (node: GrapevineNode, stats: ApiStats, req: IncomingMessage, res: ServerResponse, url: URL, ui: Console, metrics?: Registry): Promise<void> {
  const path = url.pathname
  const m = req.method ?? 'GET'
  if (m === 'GET' && path === '/v1/info') return reply(res, 200, { ...node.info(), api: stats })
  if (m === 'GET' && path === '/v1/members') return reply(res, 200, node.members())
  if (m === 'POST' && path === '/v1/ui/login') return reply(res, 200, { url: ui.loginUrl() })
  if (m === 'GET' && path === '/metrics' && metrics !== undefined) {
    const text = await metrics.metrics()
    res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) })
    res.end(text)
    return
  }
  if (m === 'POST' && path === '/v1/publish') return await publish(node, await readJson(req), res)
  if (m === 'GET' && path === '/v1/subscribe') return await subscribe(node, str(url.searchParams.get('topic'), 'topic'), req, res)
  if (m === 'POST' && path === '/v1/broadcast') {
    const body = await readJson(req)
    return reply(res, 200, { id: node.broadcast(bytesOf(body.data, body.encoding, 'data')) })
  }
  if (path === '/v1/kv' && m === 'GET') {
    const origin = url.searchParams.get('origin') ?? undefined
    const prefix = url.searchParams.get('prefix') ?? undefined
    const reserved = url.searchParams.get('reserved') === '1'
    return reply(res, 200, node.state.entries({ ...(origin !== undefined ? { origin } : {}), ...(prefix !== undefined ? { prefix } : {}), ...(reserved ? { reserved } : {}) }).map(e => ({ origin: e.origin, key: e.key, ...valueOut(e.value), version: e.version })))
  }
  if (path.startsWith('/v1/kv/')) {
    const key = decodeKey(path.slice('/v1/kv/'.length))
    if (key === '') throw new HttpError(400, 'badRequest', 'the key is missing: /v1/kv/KEY')
    if (m === 'GET') {
      const origin = url.searchParams.get('origin') ?? node.peerId
      const e = node.state.entry(key, origin)
      // An answer, not a refusal: the key is absent.
      if (e === undefined) return reply(res, 404, { error: `no key ${JSON.stringify(key)} from ${origin}` })
      return reply(res, 200, { origin, key, ...valueOut(e.value), version: e.version })
    }
    if (m === 'PUT') {
      const body = await readJson(req)
      const e = await node.state.set(key, bytesOf(body.value, body.encoding, 'value'))
      return reply(res, 200, { origin: e.origin, key, ...valueOut(e.value), version: e.version })
    }
    if (m === 'DELETE') return reply(res, 200, { deleted: await node.state.delete(key) })
  }
  throw new HttpError(404, 'notFound', `no such endpoint: ${m} ${printable(path)} (see GET /v1/info, /v1/members, /v1/kv …)`)
}

async function subscribe (node: GrapevineNode, topic: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const sub = node.pubsub.join(topic).subscribe({ bufferSize: 4096 })
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-cache' })
  res.flushHeaders()
  const stop = (): void => sub.cancel()
  req.on('close', stop)
  res.on('close', stop)
  for await (const msg of sub) {
    // `dropped`: messages this stream lost so far because the client read too slowly (buffer of 4,096).
    const line = JSON.stringify({ topic, id: Buffer.from(msg.id).toString('hex'), from: msg.from, receivedFrom: msg.receivedFrom, ...dataOut(msg.data), dropped: sub.dropped }) + '\n'
    if (!res.write(line)) await new Promise(resolve => res.once('drain', resolve))
  }
  // The subscription ended on our side (the agent is stopping): the last line says so, then the stream ends.
  if (!res.destroyed) res.end(JSON.stringify({ error: 'the agent stopped', code: 'ERR_STOPPED', dropped: sub.dropped }) + '\n')
}

