/**
 * Signature verification off the event loop: a pool of worker threads (./verify-worker.ts) making the
 * Ed25519 checks that wire protocols offload (src/core/protocol.ts `SignatureOffload`; ARCHITECTURE.md §5.2
 * "Verification pool").
 *
 * Checks are batched (those submitted in one turn of the event loop, at most `maxBatch` to a batch) and
 * sent to the least loaded worker in one transferred buffer. A check with the same key, signature and
 * bytes as one in flight or just made is not made again: the copies of a message that several peers send
 * wait for one verdict. `pending` counts the checks queued or in flight; at `maxPending` the pool is
 * `saturated`, and what comes then is checked on the event loop at once (`overflow`): the event loop slows
 * as a single-threaded router would, the transport's flow control holds the senders back, and nothing
 * queues without bound or is dropped. A worker that dies has its checks made on the event loop and is
 * replaced (three times at most; after that the pool checks on the event loop, counted as `inline`).
 * Threads start with the first check and stop after `idleMs` without one, so an idle node costs nothing.
 *
 * A process's nodes share one pool per size (`acquireVerifyPool`), so a test or a host running many nodes
 * starts a few threads, not a few per node.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { FifoMap } from '../core/fifo.js'
import type { SignatureCheck } from '../core/protocol.js'
import { verifyBatch } from './verify-worker.js'

export interface VerifyPoolOptions {
  /** Checks queued or in flight before the pool is saturated (default 2048: about 0.2 s of one thread's work). */
  maxPending?: number
  /** Most checks in one batch (default 256). */
  maxBatch?: number
  /** The threads stop after this long without a check (default 30 s), and start again with the next. */
  idleMs?: number
}

export interface VerifyPoolStats {
  /** Checks submitted and made (by a worker or inline). */
  checks: number
  /** Checks answered by a check of the same bytes in flight or just made. */
  reused: number
  /** Checks made on the event loop because a worker failed. */
  inline: number
  /** Verdicts that the signature is bad. */
  bad: number
  batches: number
  workerErrors: number
  /** Times the pool reached maxPending. */
  saturations: number
  /** Checks made on the event loop because the pool was saturated. */
  overflow: number
}

type Done = (ok: boolean) => void
interface Job { readonly check: SignatureCheck, readonly key: string, readonly done: Done[] }
interface Slot { worker: Worker, readonly batches: Map<number, Job[]>, load: number, alive: boolean }


/** The default pool size: the machine's cores less one for the event loop, at most 4. */
export function defaultVerifyWorkers (): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1))
}

const MAX_RESTARTS = 3
const WORKER_FILE = new URL('./verify-worker.js', import.meta.url)

export class VerifyPool {
  readonly stats: VerifyPoolStats = { checks: 0, reused: 0, inline: 0, bad: 0, batches: 0, workerErrors: 0, saturations: 0, overflow: 0 }
  private readonly slots: Slot[] = []
  private queue: Job[] = []
  /** Checks in flight by signature; `recent` keeps the last verdicts made. */
  private readonly inflight = new Map<string, Job>()
  private readonly recent = new FifoMap<string, { check: SignatureCheck, ok: boolean }>(1024)
  private readonly roomWaiters: Array<() => void> = []
  private readonly maxPending: number
  private readonly maxBatch: number
  private readonly idleMs: number
  private pendingChecks = 0
  private flushing = false
  private nextBatch = 0
  private restarts = 0
  private closed = false
  private lastCheck = 0
  private idleTimer: NodeJS.Timeout | undefined
  /** Threads this pool runs while busy (0 when the worker's file is missing, as in a bundle without it). */
  readonly size: number

  constructor (workers: number, opts: VerifyPoolOptions = {}) {
    this.maxPending = opts.maxPending ?? 2048
    this.maxBatch = opts.maxBatch ?? 256
    this.idleMs = opts.idleMs ?? 30_000
    this.size = workers > 0 && existsSync(WORKER_FILE) ? workers : 0
  }

  /** Worker threads running now. */
  get running (): number {
    return this.slots.filter(s => s.alive).length
  }

  /** Checks queued or in flight. */
  get pending (): number {
    return this.pendingChecks
  }

  get saturated (): boolean {
    return this.pendingChecks >= this.maxPending
  }

  /** Calls `fn` once the pending checks are down to half of maxPending. */
  onRoom (fn: () => void): void {
    this.roomWaiters.push(fn)
  }

  /** Makes `check`; `done` gets its verdict (at once when the same check was just made). */
  verify (check: SignatureCheck, done: Done): void {
    const key = Buffer.from(check.signature.buffer, check.signature.byteOffset, check.signature.byteLength).toString('latin1')
    const made = this.recent.get(key)
    if (made !== undefined && sameCheck(made.check, check)) {
      this.stats.reused++
      done(made.ok)
      return
    }
    const flying = this.inflight.get(key)
    if (flying !== undefined && sameCheck(flying.check, check)) {
      this.stats.reused++
      flying.done.push(done)
      return
    }
    this.lastCheck = performance.now()
    const job: Job = { check, key, done: [done] }
    if (this.pendingChecks >= this.maxPending) {
      // Saturated: checked here and now, so the event loop slows instead of a queue growing.
      this.pendingChecks++
      this.inline([job], 'overflow')
      return
    }
    if (flying === undefined) this.inflight.set(key, job)
    this.queue.push(job)
    if (++this.pendingChecks === this.maxPending) this.stats.saturations++
    if (!this.flushing) {
      this.flushing = true
      setImmediate(() => this.flush())
    }
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.idleTimer)
    const slots = this.slots.splice(0)
    for (const s of slots) s.alive = false
    // What was submitted still gets its verdict.
    this.inline([...this.queue, ...slots.flatMap(s => [...s.batches.values()].flat())])
    this.queue = []
    await Promise.all(slots.map(s => s.worker.terminate().catch(() => {})))
  }

  private flush (): void {
    this.flushing = false
    while (!this.closed && this.slots.length < this.size && this.restarts <= MAX_RESTARTS) {
      const slot = this.spawn()
      if (slot === undefined) break
      this.slots.push(slot)
    }
    while (this.queue.length > 0) {
      const slot = this.leastLoaded()
      if (slot === undefined) {
        this.inline(this.queue)
        this.queue = []
        return
      }
      const jobs = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
      this.queue = jobs === this.queue ? [] : this.queue.slice(this.maxBatch)
      const id = this.nextBatch++
      const buf = pack(jobs)
      slot.batches.set(id, jobs)
      slot.load += jobs.length
      this.stats.batches++
      slot.worker.postMessage({ id, buf }, [buf])
    }
  }

  private leastLoaded (): Slot | undefined {
    let best: Slot | undefined
    for (const s of this.slots) if (s.alive && (best === undefined || s.load < best.load)) best = s
    return best
  }

  private spawn (): Slot | undefined {
    let worker: Worker
    try {
      worker = new Worker(WORKER_FILE, { workerData: { grapevineVerify: true } })
    } catch {
      return undefined // no worker file (a bundle without it): the core checks inline
    }
    worker.unref()
    const slot: Slot = { worker, batches: new Map(), load: 0, alive: true }
    worker.on('message', (m: { id: number, verdicts: Uint8Array }) => {
      const jobs = slot.batches.get(m.id)
      if (jobs === undefined) return
      slot.batches.delete(m.id)
      slot.load -= jobs.length
      for (const [i, job] of jobs.entries()) this.finish(job, m.verdicts[i] === 1)
    })
    const fail = (): void => {
      if (!slot.alive) return
      slot.alive = false
      this.stats.workerErrors++
      const orphans = [...slot.batches.values()].flat()
      slot.batches.clear()
      slot.load = 0
      this.inline(orphans)
      const i = this.slots.indexOf(slot)
      if (!this.closed && i >= 0 && this.restarts < MAX_RESTARTS) {
        this.restarts++
        const next = this.spawn()
        if (next !== undefined) this.slots[i] = next
      }
    }
    worker.on('error', fail)
    worker.on('exit', fail)
    return slot
  }

  /** Makes checks on the event loop: no worker can (`inline`), or the pool is saturated (`overflow`). */
  private inline (jobs: Job[], why: 'inline' | 'overflow' = 'inline'): void {
    if (jobs.length === 0) return
    this.stats[why] += jobs.length
    const verdicts = verifyBatch(pack(jobs))
    for (const [i, job] of jobs.entries()) this.finish(job, verdicts[i] === 1)
  }

  private finish (job: Job, ok: boolean): void {
    if (this.inflight.get(job.key) === job) this.inflight.delete(job.key)
    this.recent.set(job.key, { check: job.check, ok })
    this.stats.checks++
    if (!ok) this.stats.bad++
    this.pendingChecks--
    for (const d of job.done) d(ok)
    if (this.roomWaiters.length > 0 && this.pendingChecks <= this.maxPending / 2) {
      for (const fn of this.roomWaiters.splice(0)) fn()
    }
    if (this.pendingChecks === 0 && this.idleTimer === undefined && this.slots.length > 0) this.armIdle(this.idleMs)
  }

  /** Stops the threads once no check came for idleMs. */
  private armIdle (ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      if (this.closed || this.slots.length === 0) return
      const quiet = performance.now() - this.lastCheck
      if (this.pendingChecks > 0 || this.queue.length > 0 || quiet < this.idleMs) return this.armIdle(Math.max(10, this.idleMs - quiet))
      for (const s of this.slots.splice(0)) {
        s.alive = false
        void s.worker.terminate().catch(() => {})
      }
    }, ms)
    this.idleTimer.unref()
  }
}

function sameCheck (a: SignatureCheck, b: SignatureCheck): boolean {
  return a === b || (Buffer.compare(a.publicKey, b.publicKey) === 0 && Buffer.compare(a.signed, b.signed) === 0 && Buffer.compare(a.signature, b.signature) === 0)
}

/** Packs checks in the worker's batch format (./verify-worker.ts). */
function pack (jobs: readonly Job[]): ArrayBuffer {
  let size = 4
  for (const j of jobs) size += 100 + j.check.signed.length
  const buf = new ArrayBuffer(size)
  const view = new DataView(buf)
  const bytes = new Uint8Array(buf)
  view.setUint32(0, jobs.length, true)
  let at = 4
  for (const { check } of jobs) {
    view.setUint32(at, check.signed.length, true)
    bytes.set(check.publicKey.subarray(0, 32), at + 4)
    bytes.set(check.signature.subarray(0, 64), at + 36)
    bytes.set(check.signed, at + 100)
    at += 100 + check.signed.length
  }
  return buf
}

const shared = new Map<number, { pool: VerifyPool, users: number }>()

/** The process's pool of `workers` threads, shared by the nodes that ask for it; give it back with releaseVerifyPool. */
export function acquireVerifyPool (workers: number): VerifyPool {
  let s = shared.get(workers)
  if (s === undefined) shared.set(workers, s = { pool: new VerifyPool(workers), users: 0 })
  s.users++
  return s.pool
}

/** Gives a shared pool back; the last user closes it. */
export async function releaseVerifyPool (pool: VerifyPool): Promise<void> {
  for (const [n, s] of shared) {
    if (s.pool !== pool) continue
    if (--s.users > 0) return
    shared.delete(n)
    await pool.close()
    return
  }
}
