/**
 * The one HTTP client of the control API (./api.ts), for the CLI, the demo and the tests: JSON calls
 * carrying the agent's bearer token, whose failures say what to do, and NDJSON streams read line by line.
 */
import { UsageError } from '../core/errors.js'
import { readRecord } from './record.js'

export class ApiClient {
  readonly base: string

  /** `token`: the agent's (the "token" field of its agent.json); without one every call is refused (401). */
  constructor (base: string, private readonly token?: string) {
    this.base = base.replace(/\/$/, '')
  }

  /** The client of the agent recorded in `dataDir`'s agent.json. */
  static of (dataDir: string): ApiClient {
    const r = readRecord(dataDir)
    return new ApiClient(r.api, r.token)
  }

  private headers (json: boolean): Record<string, string> {
    return {
      ...(this.token !== undefined ? { authorization: `Bearer ${this.token}` } : {}),
      ...(json ? { 'content-type': 'application/json' } : {})
    }
  }

  /** One call; an error answer or an unreachable agent becomes a UsageError with the agent's message. */
  async call<T = unknown> (method: string, path: string, body?: unknown): Promise<T> {
    let res: Response
    try {
      res = await fetch(this.base + path, { method, headers: this.headers(body !== undefined), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) })
    } catch (err) {
      throw new UsageError('ERR_NO_AGENT', `cannot reach the agent at ${this.base} (${(err as Error).message}); is it running?`)
    }
    const text = await res.text()
    let v: unknown
    try {
      v = JSON.parse(text)
    } catch {
      throw new UsageError('ERR_AGENT', `agent: ${method} ${path} answered ${res.status} with something other than JSON`)
    }
    if (!res.ok) {
      // The agent's code when it gives one (ERR_BACKPRESSURE: slow down and retry), else ERR_AGENT.
      const { error, code } = v as { error?: string, code?: unknown }
      throw new UsageError(typeof code === 'string' ? code : 'ERR_AGENT', `agent: ${error ?? res.statusText} (${method} ${path}: ${res.status})`)
    }
    return v as T
  }

  /**
   * The lines of an NDJSON stream, parsed, until the agent ends it or `signal` aborts (which ends it
   * quietly). `onOpen` is called once the agent answered (for a subscription: once it has subscribed).
   */
  async * lines<T = unknown> (path: string, signal?: AbortSignal, onOpen?: () => void): AsyncGenerator<T> {
    let res: Response
    try {
      res = await fetch(this.base + path, { headers: this.headers(false), ...(signal !== undefined ? { signal } : {}) })
    } catch (err) {
      if (signal?.aborted === true) return
      throw new UsageError('ERR_NO_AGENT', `cannot reach the agent at ${this.base} (${(err as Error).message}); is it running?`)
    }
    if (!res.ok || res.body === null) {
      const why = await res.json().then(v => (v as { error?: string }).error, () => undefined)
      throw new UsageError('ERR_AGENT', `agent: ${why ?? res.statusText} (GET ${path}: ${res.status})`)
    }
    onOpen?.()
    let buf = ''
    const decoder = new TextDecoder()
    try {
      for await (const chunk of res.body) {
        buf += decoder.decode(chunk, { stream: true })
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          if (line === '') continue
          const v = JSON.parse(line) as { error?: unknown, code?: unknown }
          // The agent ended the stream itself, saying why (e.g. it is stopping).
          if (typeof v.error === 'string') throw new UsageError(typeof v.code === 'string' ? v.code : 'ERR_AGENT', `agent: ${v.error}`)
          yield v as T
        }
      }
    } catch (err) {
      if (signal?.aborted === true) return
      if (err instanceof UsageError) throw err
      throw new UsageError('ERR_AGENT', `the agent's stream ${path} broke off (${(err as Error).message}); is the agent still running?`)
    }
    if (signal?.aborted !== true) throw new UsageError('ERR_AGENT', `the agent ended the stream ${path} without saying why; is it still running?`)
  }
}
