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
 *   GET    /v1/kv?origin=&prefix=      [ { origin, key, value, encoding, version } ]
 *   GET    /v1/kv/KEY?origin=O         one entry, 404 if absent
 *   PUT    /v1/kv/KEY    {value, encoding?}              → the entry written
 *   DELETE /v1/kv/KEY                  { deleted }
 *   GET    /metrics                    Prometheus text format (src/metrics; ARCHITECTURE.md §14), when the agent
 *                                      is given a registry; the same checks as every route (a scraper sends the token)
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

const MAX_BODY = 2 * 1024 * 1024
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
}

/** Why requests were refused, by reason (each a count). */
export interface Refusals {
  host: number
  origin: number
  token: number
  contentType: number
  badRequest: number
  tooLarge: number
  notFound: number
  /** Publishes refused because every target peer's send queue stayed full (503). */
  backpressure: number
}

export interface ApiStats {
  requests: number
  refused: Refusals
}

export interface ApiServer {
  url: string
  socket: string | null
  stats: ApiStats
  close: () => Promise<void>
}

class HttpError extends Error {
  constructor (readonly status: number, readonly reason: keyof Refusals, message: string) {
    super(message)
  }
}

export async function startApi (node: GrapevineNode, options: ApiOptions): Promise<ApiServer> {
  const logger = options.logger ?? (options.log === undefined ? createLogger() : undefined)
  const log = options.log ?? ((line: string) => logger!.warn(line))
  const fail = options.log ?? ((line: string) => logger!.error(line))
  const stats: ApiStats = { requests: 0, refused: { host: 0, origin: 0, token: 0, contentType: 0, badRequest: 0, tooLarge: 0, notFound: 0, backpressure: 0 } }
  if (options.metrics !== undefined) apiMetrics(options.metrics, stats)
  const tokenHash = sha256(options.token)
  const tokenFile = options.tokenFile ?? 'the agent\'s agent.json'
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++
    const answer = async (): Promise<void> => {
      admit(req, tokenHash, tokenFile)
      await route(node, stats, req, res, options.metrics)
    }
    answer().catch(err => {
      if (err instanceof HttpError) {
        stats.refused[err.reason]++
        log(`grapevine agent: refused ${req.method ?? '?'} ${printable(req.url ?? '')}: ${err.status} ${err.reason} (${err.message})`)
        reply(res, err.status, { error: err.message })
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
    if (options.socket !== undefined) {
      const path = options.socket
      clearStaleSocket(path)
      await serveOn(s => s.listen(path))
      ownSocket = true
      if (process.platform !== 'win32') chmodSync(path, 0o600)
    }
    return { url: `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`, socket: options.socket ?? null, stats, close }
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

/** The checks every request passes before its route runs (see the header). */
function admit (req: IncomingMessage, tokenHash: Buffer, tokenFile: string): void {
  const host = req.headers.host
  if (host === undefined || !LOCAL_HOST.test(host)) {
    throw new HttpError(421, 'host', `this agent answers only to Host 127.0.0.1, localhost or [::1] (got ${printable(host ?? '(none)')}): call it as http://127.0.0.1:PORT`)
  }
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

/** Untrusted text for a log line or an answer: quoted, control characters escaped, at most 200 characters. */
function printable (s: string): string {
  return JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s)
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

async function route (node: GrapevineNode, stats: ApiStats, req: IncomingMessage, res: ServerResponse, metrics?: Registry): Promise<void> {
  let url: URL
  try {
    url = new URL(req.url ?? '/', 'http://127.0.0.1')
  } catch {
    throw new HttpError(400, 'badRequest', 'the request target is not a path')
  }
  const path = url.pathname
  const m = req.method ?? 'GET'
  if (m === 'GET' && path === '/v1/info') return reply(res, 200, { ...node.info(), api: stats })
  if (m === 'GET' && path === '/v1/members') return reply(res, 200, node.members())
  if (m === 'GET' && path === '/metrics' && metrics !== undefined) {
    const text = await metrics.metrics()
    res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text) })
    res.end(text)
    return
  }
  if (m === 'POST' && path === '/v1/publish') {
    const body = await readJson(req)
    const topic = str(body.topic, 'topic')
    const r = await node.pubsub.join(topic).publish(bytesOf(body.data, body.encoding, 'data'), {
      ...(typeof body.minPeers === 'number' ? { minPeers: body.minPeers } : {}),
      ...(typeof body.timeoutMs === 'number' ? { timeoutMs: body.timeoutMs } : {}),
      ...(typeof body.slowPeerMs === 'number' ? { slowPeerMs: body.slowPeerMs } : {}),
      signal: hangUp(res)
    })
    return reply(res, 200, {
      id: Buffer.from(r.id).toString('hex'),
      recipients: r.recipients,
      skipped: r.skipped,
      skippedPeers: r.skippedPeers,
      ...(r.reason !== undefined ? { reason: r.reason } : {})
    })
  }
  if (m === 'GET' && path === '/v1/subscribe') return await subscribe(node, str(url.searchParams.get('topic'), 'topic'), req, res)
  if (m === 'POST' && path === '/v1/broadcast') {
    const body = await readJson(req)
    return reply(res, 200, { id: node.broadcast(bytesOf(body.data, body.encoding, 'data')) })
  }
  if (path === '/v1/kv' && m === 'GET') {
    const origin = url.searchParams.get('origin') ?? undefined
    const prefix = url.searchParams.get('prefix') ?? undefined
    return reply(res, 200, node.state.entries({ ...(origin !== undefined ? { origin } : {}), ...(prefix !== undefined ? { prefix } : {}) }).map(e => ({ origin: e.origin, key: e.key, ...valueOut(e.value), version: e.version })))
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

/** Aborts when the client hangs up before its answer is written (a publish waiting for room then stops). */
function hangUp (res: ServerResponse): AbortSignal {
  const ac = new AbortController()
  res.on('close', () => { if (!res.writableEnded) ac.abort(new Error('the client hung up')) })
  return ac.signal
}

function reply (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > MAX_BODY) throw new HttpError(413, 'tooLarge', `the request body is over ${MAX_BODY} bytes: send less`)
    chunks.push(c as Buffer)
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch {
    throw new HttpError(400, 'badRequest', 'the body must be a JSON object')
  }
}

function str (v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, 'badRequest', `${name} is required (a non-empty string)`)
  return v
}

function bytesOf (v: unknown, encoding: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw new HttpError(400, 'badRequest', `${name} is required (a string; binary as base64 with "encoding": "base64")`)
  if (encoding === 'base64') return new Uint8Array(Buffer.from(v, 'base64'))
  if (encoding !== undefined && encoding !== 'utf8') throw new HttpError(400, 'badRequest', 'encoding is "utf8" (default) or "base64"')
  return new TextEncoder().encode(v)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

function dataOut (b: Uint8Array): { data: string, encoding: 'utf8' | 'base64' } {
  try {
    return { data: utf8.decode(b), encoding: 'utf8' }
  } catch {
    return { data: Buffer.from(b).toString('base64'), encoding: 'base64' }
  }
}

function valueOut (b: Uint8Array): { value: string, encoding: 'utf8' | 'base64' } {
  const d = dataOut(b)
  return { value: d.data, encoding: d.encoding }
}
