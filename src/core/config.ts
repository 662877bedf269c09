/**
 * Checking a core's configuration: each core lists what each number must be, and a bad value becomes a
 * `UsageError` that names the setting, the rule and the value given.
 */
import { UsageError } from './errors.js'

/**
 * positive  a number > 0 (Infinity allowed: "no limit")
 * whole     an integer ≥ 1
 * count     an integer ≥ 0
 * fraction  a number in [0, 1)
 * share     a number in [0, 1]
 */
export type NumberRule = 'positive' | 'whole' | 'count' | 'fraction' | 'share'

const RULES: Record<NumberRule, { ok: (v: number) => boolean, says: string }> = {
  positive: { ok: v => v > 0, says: 'a positive number' },
  whole: { ok: v => Number.isInteger(v) && v >= 1, says: 'a whole number ≥ 1' },
  count: { ok: v => Number.isInteger(v) && v >= 0, says: 'a whole number ≥ 0' },
  fraction: { ok: v => v >= 0 && v < 1, says: 'a number in [0, 1)' },
  share: { ok: v => v >= 0 && v <= 1, says: 'a number in [0, 1]' }
}

/** Throws ERR_CONFIG for the first setting of `config` that breaks its rule. `section` prefixes the names (`membership.arwl`). */
export function checkNumbers<C extends object> (section: string, config: C, rules: Partial<Record<keyof C & string, NumberRule>>): void {
  for (const [key, rule] of Object.entries(rules) as Array<[string, NumberRule]>) {
    const v = (config as Record<string, unknown>)[key]
    const r = RULES[rule]
    if (typeof v !== 'number' || Number.isNaN(v) || !r.ok(v)) {
      throw new UsageError('ERR_CONFIG', `${section}.${key} must be ${r.says} (got ${String(v)})`)
    }
  }
}

/** Throws ERR_CONFIG unless `value` is one of `allowed`. */
export function checkChoice<T extends string> (section: string, key: string, value: unknown, allowed: readonly T[]): asserts value is T {
  if (!allowed.includes(value as T)) {
    const names = allowed.map(a => `'${a}'`)
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]!}` : names.join('')
    throw new UsageError('ERR_CONFIG', `${section}.${key} must be ${list} (got ${JSON.stringify(value)})`)
  }
}

/** Throws ERR_CONFIG with `message` unless `ok`. */
export function checkConfig (ok: boolean, message: string): void {
  if (!ok) throw new UsageError('ERR_CONFIG', message)
}
