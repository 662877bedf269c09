/**
 * Agents as child processes on one machine: start one (`grapevine agent --json`), read its startup
 * record, talk to its control API, stop or kill it. Used by `grapevine demo` and the multi-process tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { AgentRecord } from '../cli/agent.js'

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url))

export interface RunningAgent {
  record: AgentRecord
  child: ChildProcess
  /** stderr so far (for diagnosing a failed start). */
  stderr: () => string
  exited: Promise<number | null>
}

export async function spawnAgent (dataDir: string, args: string[] = [], timeoutMs = 20_000): Promise<RunningAgent> {
  const child = spawn(process.execPath, ['--enable-source-maps', MAIN, 'agent', '--json', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err = (err + d).slice(-8192) })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const record = await new Promise<AgentRecord>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`agent in ${dataDir} did not start within ${timeoutMs} ms: ${err}`)), timeoutMs)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl < 0) return
      clearTimeout(timer)
      try {
        resolve(JSON.parse(out.slice(0, nl)) as AgentRecord)
      } catch {
        reject(new Error(`agent printed ${out.slice(0, nl)}`))
      }
    })
    void exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`agent exited with ${code}: ${err}`))
    })
  })
  return { record, child, stderr: () => err, exited }
}

export async function api<T = unknown> (a: RunningAgent | string, method: string, path: string, body?: unknown): Promise<T> {
  const base = typeof a === 'string' ? a : a.record.api
  const res = await fetch(base + path, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) })
  const v = await res.json() as T & { error?: string }
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${v.error ?? ''}`)
  return v
}

/** Streams a topic's messages from an agent into `onMessage` until the returned stop() is called. */
export function subscribeAgent (a: RunningAgent, topic: string, onMessage: (m: { data: string, from: string | null }) => void): { ready: Promise<void>, stop: () => void } {
  const ac = new AbortController()
  let ready!: () => void
  const readyP = new Promise<void>(resolve => { ready = resolve })
  void (async () => {
    try {
      const res = await fetch(`${a.record.api}/v1/subscribe?topic=${encodeURIComponent(topic)}`, { signal: ac.signal })
      ready()
      let buf = ''
      const dec = new TextDecoder()
      for await (const chunk of res.body!) {
        buf += dec.decode(chunk, { stream: true })
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          onMessage(JSON.parse(buf.slice(0, nl)) as { data: string, from: string | null })
          buf = buf.slice(nl + 1)
        }
      }
    } catch {
      ready()
    }
  })()
  return { ready: readyP, stop: () => ac.abort() }
}

export async function stopAgent (a: RunningAgent, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (a.child.exitCode !== null || a.child.signalCode !== null) return
  a.child.kill(signal)
  await a.exited
}

export async function waitUntil (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 50): Promise<number> {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  return Date.now() - start
}
