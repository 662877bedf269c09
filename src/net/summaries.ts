/**
 * The timer that keeps a node's neighbourhood summary (src/node/summary.ts) in its replicated state: every
 * `everyMs` (5 s) it builds the summary and writes it when it changed, and at least every `refreshMs` (30 s)
 * otherwise (so readers see a fresh time). The first one is written at once. Nothing is written while the
 * node recovers its own entries (writes are refused then) or after it stopped.
 */
import { GrapevineError } from '../core/errors.js'
import { encodeSummary, SUMMARY_KEY, summarize } from '../node/summary.js'
import type { GrapevineNode } from '../node/node.js'

export interface SummaryTimerOptions {
  everyMs?: number
  refreshMs?: number
  /** The wall clock written into summaries (default Date.now). */
  wallClock?: () => number
  onError?: (err: unknown) => void
}

/** Starts writing `node`'s summary; returns the function that stops it. */
export function startSummaries (node: GrapevineNode, options: SummaryTimerOptions = {}): () => void {
  const everyMs = options.everyMs ?? 5000
  const refreshMs = options.refreshMs ?? 30_000
  const wall = options.wallClock ?? Date.now
  let last = ''
  let lastAt = -Infinity
  let stopped = false
  const tick = (): void => {
    if (stopped || node.cores.state.recovering) return
    try {
      const body = summarize(node)
      const key = JSON.stringify(body)
      const now = wall()
      if (key === last && now - lastAt < refreshMs) return
      node.cores.state.set(node.now(), SUMMARY_KEY, encodeSummary(body, now))
      last = key
      lastAt = now
    } catch (err) {
      if (err instanceof GrapevineError && (err.code === 'ERR_RECOVERING' || err.code === 'ERR_STOPPED')) return
      options.onError?.(err)
    }
  }
  tick()
  const timer = setInterval(tick, everyMs)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
  }
}
