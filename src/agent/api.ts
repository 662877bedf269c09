/**
 * The agent's local control API: HTTP with JSON bodies, bound to 127.0.0.1 only, so the CLI (and any
 * local program) can drive a running node. Values travel as UTF-8 text, or base64 with
 * `"encoding": "base64"`; `GET /v1/subscribe?topic=T` streams messages as NDJSON until the client hangs up.
 *
 *   GET    /v1/info                    the node: peer id, addresses, members, topics, counters
 *   GET    /v1/members                 { active, passive }
 *   POST   /v1/publish   {topic, data, encoding?}        → { id, recipients, reason? }
 *   GET    /v1/subscribe?topic=T       NDJSON: { topic, id, from, receivedFrom, data, encoding, dropped }
 *   POST   /v1/broadcast {data, encoding?}               → { id }
 *   GET    /v1/kv?origin=&prefix=      [ { origin, key, value, encoding, version } ]
 *   GET    /v1/kv/KEY?origin=O         one entry, 404 if absent
 *   PUT    /v1/kv/KEY    {value, encoding?}              → the entry written
 *   DELETE /v1/kv/KEY                  { deleted }
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GrapevineError } from '../core/errors.js'
import type { GrapevineNode } from '../node/node.js'

const MAX_BODY = 2 * 1024 * 1024

export interface ApiServer {
  url: string
  close: () => Promise<void>
}

export async function startApi (node: GrapevineNode, port = 0): Promise<ApiServer> {
  const server: Server = createServer((req, res) => {
    handle(node, req, res).catch(err => reply(res, err instanceof HttpError ? err.status : err instanceof GrapevineError && err.fault === 'caller' ? 400 : 500, { error: (err as Error).message }))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
  const addr = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

class HttpError extends Error {
  constructor (readonly status: number, message: string) {
    super(message)
  }
}

async function handle (node: GrapevineNode, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  const path = url.pathname
  const m = req.method ?? 'GET'
  if (m === 'GET' && path === '/v1/info') return reply(res, 200, node.info())
  if (m === 'GET' && path === '/v1/members') return reply(res, 200, node.members())
  if (m === 'POST' && path === '/v1/publish') {
    const body = await readJson(req)
    const topic = str(body.topic, 'topic')
    const r = await node.pubsub.join(topic).publish(bytesOf(body.data, body.encoding, 'data'), {
      ...(typeof body.minPeers === 'number' ? { minPeers: body.minPeers } : {}),
      ...(typeof body.timeoutMs === 'number' ? { timeoutMs: body.timeoutMs } : {})
    })
    return reply(res, 200, { id: Buffer.from(r.id).toString('hex'), recipients: r.recipients, ...(r.reason !== undefined ? { reason: r.reason } : {}) })
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
    const key = decodeURIComponent(path.slice('/v1/kv/'.length))
    if (key === '') throw new HttpError(400, 'the key is missing: /v1/kv/KEY')
    if (m === 'GET') {
      const origin = url.searchParams.get('origin') ?? node.peerId
      const e = node.state.entry(key, origin)
      if (e === undefined) throw new HttpError(404, `no key ${JSON.stringify(key)} from ${origin}`)
      return reply(res, 200, { origin, key, ...valueOut(e.value), version: e.version })
    }
    if (m === 'PUT') {
      const body = await readJson(req)
      const e = await node.state.set(key, bytesOf(body.value, body.encoding, 'value'))
      return reply(res, 200, { origin: e.origin, key, ...valueOut(e.value), version: e.version })
    }
    if (m === 'DELETE') return reply(res, 200, { deleted: await node.state.delete(key) })
  }
  throw new HttpError(404, `no such endpoint: ${m} ${path}`)
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
  res.end()
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
    if (size > MAX_BODY) throw new HttpError(413, `request body over ${MAX_BODY} bytes`)
    chunks.push(c as Buffer)
  }
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch {
    throw new HttpError(400, 'the body must be a JSON object')
  }
}

function str (v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, `${name} is required (a non-empty string)`)
  return v
}

function bytesOf (v: unknown, encoding: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw new HttpError(400, `${name} is required (a string; binary as base64 with "encoding": "base64")`)
  if (encoding === 'base64') return new Uint8Array(Buffer.from(v, 'base64'))
  if (encoding !== undefined && encoding !== 'utf8') throw new HttpError(400, 'encoding is "utf8" (default) or "base64"')
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
