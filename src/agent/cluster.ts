/**
 * Agents as child processes on one machine: start one (`grapevine agent --json`), read its startup
 * record (the token from its agent.json: the agent never prints it), talk to its control API, stop or kill
 * it. Used by `grapevine demo` and the multi-process tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { ApiClient } from './client.js'
import { readRecord, type AgentRecord } from './record.js'

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
        const shown = JSON.parse(out.slice(0, nl)) as Omit<AgentRecord, 'token'>
        resolve({ ...shown, token: readRecord(shown.dataDir).token })
      } catch (err) {
        reject(new Error(`agent printed ${out.slice(0, nl)} (${(err as Error).message})`))
      }
    })
    void exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`agent exited with ${code}: ${err}`))
    })
  })
  return { record, child, stderr: () => err, exited }
}

/** One call to an agent's control API. */
export async function api<T = unknown> (a: RunningAgent, method: string, path: string, body?: unknown): Promise<T> {
  return await new ApiClient(a.record.api, a.record.token).call<T>(method, path, body)
}

/** Streams a topic's messages from an agent into `onMessage` until stop(); `ready`: the agent has subscribed. */
export function subscribeAgent (a: RunningAgent, topic: string, onMessage: (m: { data: string, from: string | null }) => void): { ready: Promise<void>, stop: () => void } {
  const ac = new AbortController()
  let ready!: () => void
  const readyP = new Promise<void>(resolve => { ready = resolve })
  void (async () => {
    try {
      const stream = new ApiClient(a.record.api, a.record.token).lines<{ data: string, from: string | null }>(`/v1/subscribe?topic=${encodeURIComponent(topic)}`, ac.signal, ready)
      for await (const m of stream) onMessage(m)
    } catch {
      // The agent went away (a test may kill it): the stream just ends.
    } finally {
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

/** Polls `cond` until it holds; returns the ms it took, or throws naming `what` after `timeoutMs`. */
export async function waitUntil (what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 20_000, everyMs = 20): Promise<number> {
  const start = Date.now()
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
  return Date.now() - start
}
