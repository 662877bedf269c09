/**
 * Summaries of measured values, shared by the scenarios, the CLI and the tests.
 */

/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median (xs: readonly number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** The value at quantile `q` of `sorted` (ascending), 0 for none. */
export function percentile (sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

/** The empirical CDF of `sorted` (ascending) as at most `points` + 1 [value, fraction ≤ value] pairs. */
export function cdf (sorted: readonly number[], points = 100): Array<[number, number]> {
  const n = sorted.length
  if (n === 0) return []
  const out: Array<[number, number]> = []
  for (let k = 0; k <= points; k++) {
    const i = Math.min(n - 1, Math.round((k / points) * (n - 1)))
    out.push([sorted[i]!, (i + 1) / n])
  }
  return out
}
