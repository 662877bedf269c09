/**
 * Small helpers for the CLI's option parsing (node:util parseArgs underneath): typed numbers with ranges
 * and choices, and errors that say which option was wrong and what it accepts.
 */
import { UsageError } from '../core/errors.js'

export function num (raw: string | undefined, name: string, dflt: number, opts: { min?: number, max?: number, int?: boolean } = {}): number {
  if (raw === undefined) return dflt
  const v = Number(raw)
  const { min = -Infinity, max = Infinity, int = false } = opts
  if (!Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) {
    const range = `${min === -Infinity ? '' : `≥ ${min}`}${min !== -Infinity && max !== Infinity ? ' and ' : ''}${max === Infinity ? '' : `≤ ${max}`}`
    throw new UsageError('ERR_ARG', `--${name} takes ${int ? 'a whole number' : 'a number'}${range === '' ? '' : ' ' + range} (got '${raw}')`)
  }
  return v
}

/** A comma-separated list of numbers, each checked as `num` checks one (`dflt` when absent). */
export function nums (raw: string | undefined, name: string, dflt: readonly number[], opts: { min?: number, max?: number, int?: boolean } = {}): number[] {
  if (raw === undefined) return [...dflt]
  return raw.split(',').map(s => num(s.trim(), name, 0, opts))
}

export function choice<T extends string> (raw: string | undefined, name: string, dflt: T, allowed: readonly T[]): T {
  if (raw === undefined) return dflt
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new UsageError('ERR_ARG', `--${name} takes one of ${allowed.join(', ')} (got '${raw}')`)
  }
  return raw as T
}

/** A comma-separated list of choices; `all` means every allowed value. */
export function choices<T extends string> (raw: string | undefined, name: string, dflt: T, allowed: readonly T[]): T[] {
  if (raw === undefined) return [dflt]
  if (raw === 'all') return [...allowed]
  return raw.split(',').map(s => choice(s.trim(), name, dflt, allowed))
}
