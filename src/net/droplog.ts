/**
 * Drops are never silent, and never one log line each: every `everyMs` this prints one line summing what
 * was refused or lost since the last line, by reason (nothing when nothing was). The counters themselves
 * are in `info().driver` and `info().pubsubStats`.
 */

/** Counter name → how the line says it. */
const REASONS: ReadonlyArray<[string, string]> = [
  ['refusedQueueFull', 'frames refused (send queue full)'],
  ['lostDialFailed', 'frames lost (no stream to the peer)'],
  ['lostClosed', 'frames lost (connection closed)'],
  ['lostWriteFailed', 'frames lost (stream write failed)'],
  ['publishSkippedSlow', 'publish targets skipped (slow peer)'],
  ['publishQueueFull', 'publish targets refused (queue full)'],
  ['forwardQueueFull', 'forwards dropped (queue full)'],
  ['tooBig', 'messages dropped (over maxMessageSize)']
]

/** Starts the periodic summary of `read()`'s drop counters; returns a function that stops it. */
export function startDropLog (read: () => Readonly<Record<string, number>>, everyMs: number, log: (line: string) => void): () => void {
  let last = { ...read() }
  const timer = setInterval(() => {
    const now = read()
    const parts: string[] = []
    for (const [k, what] of REASONS) {
      const d = (now[k] ?? 0) - (last[k] ?? 0)
      if (d > 0) parts.push(`${d} ${what}`)
    }
    last = { ...now }
    if (parts.length > 0) log(`grapevine: in the last ${Math.round(everyMs / 1000)} s: ${parts.join(', ')} — see info().driver and info().pubsubStats`)
  }, everyMs)
  timer.unref()
  return () => clearInterval(timer)
}
