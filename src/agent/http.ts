/**
 * What the control API (./api.ts) and the console's routes (./ui.ts) share: refusals as errors, JSON
 * answers, bodies read and checked, values in and out (UTF-8 text, or base64 with `"encoding": "base64"`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { GrapevineNode } from '../node/node.js'

const MAX_BODY = 2 * 1024 * 1024

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
  /** Console requests without a valid session cookie (401). */
  session: number
  /** Console login links that were invalid, used or expired (403). */
  login: number
  /** Console POSTs without `X-Grapevine-UI: 1` (403). */
  csrf: number
}

/** A refusal: its status, the reason it is counted under, what to do; `html`: answered as a page (the console's). */
export class HttpError extends Error {
  constructor (readonly status: number, readonly reason: keyof Refusals, message: string, readonly html?: string) {
    super(message)
  }
}

/** Untrusted text for a log line or an answer: quoted, control characters escaped, at most 200 characters. */
export function printable (s: string): string {
  return JSON.stringify(s.length > 200 ? s.slice(0, 200) + '…' : s)
}

/** POST /v1/publish (and the console's /ui/api/publish): the body's message, once queued. */
export async function publish (node: GrapevineNode, body: Record<string, unknown>, res: ServerResponse): Promise<void> {
  const topic = str(body.topic, 'topic')
  const r = await node.pubsub.join(topic).publish(bytesOf(body.data, body.encoding, 'data'), {
    ...(typeof body.minPeers === 'number' ? { minPeers: body.minPeers } : {}),
    ...(typeof body.timeoutMs === 'number' ? { timeoutMs: body.timeoutMs } : {}),
    ...(typeof body.slowPeerMs === 'number' ? { slowPeerMs: body.slowPeerMs } : {}),
    signal: hangUp(res)
  })
  reply(res, 200, {
    id: Buffer.from(r.id).toString('hex'),
    recipients: r.recipients,
    skipped: r.skipped,
    skippedPeers: r.skippedPeers,
    ...(r.reason !== undefined ? { reason: r.reason } : {})
  })
}

/** Aborts when the client hangs up before its answer is written (a publish waiting for room then stops). */
export function hangUp (res: ServerResponse): AbortSignal {
  const ac = new AbortController()
  res.on('close', () => { if (!res.writableEnded) ac.abort(new Error('the client hung up')) })
  return ac.signal
}

export function reply (res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end()
    return
  }
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

export async function readJson (req: IncomingMessage): Promise<Record<string, unknown>> {
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

export function str (v: unknown, name: string): string {
  if (typeof v !== 'string' || v === '') throw new HttpError(400, 'badRequest', `${name} is required (a non-empty string)`)
  return v
}

export function bytesOf (v: unknown, encoding: unknown, name: string): Uint8Array {
  if (typeof v !== 'string') throw new HttpError(400, 'badRequest', `${name} is required (a string; binary as base64 with "encoding": "base64")`)
  if (encoding === 'base64') return new Uint8Array(Buffer.from(v, 'base64'))
  if (encoding !== undefined && encoding !== 'utf8') throw new HttpError(400, 'badRequest', 'encoding is "utf8" (default) or "base64"')
  return new TextEncoder().encode(v)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function dataOut (b: Uint8Array): { data: string, encoding: 'utf8' | 'base64' } {
  try {
    return { data: utf8.decode(b), encoding: 'utf8' }
  } catch {
    return { data: Buffer.from(b).toString('base64'), encoding: 'base64' }
  }
}

export function valueOut (b: Uint8Array): { value: string, encoding: 'utf8' | 'base64' } {
  const d = dataOut(b)
  return { value: d.data, encoding: d.encoding }
}
