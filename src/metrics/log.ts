/**
 * Structured logs through pino: one JSON object per line with a level, a time and the human-readable line
 * as `msg` (the same words grapevine printed before it had levels). createNode and the agent log here; the
 * agent's `--log-level` (config key `logLevel`) picks the lowest level written, default 'info'.
 * Lines go to stderr, as before: stdout stays the agent's own output (its startup record).
 */
import { pino, type Logger } from 'pino'
import { UsageError } from '../core/errors.js'

export type { Logger } from 'pino'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

/** A logger writing to stderr (synchronously, so a line is out before the process exits) at `level` and above. */
export function createLogger (level: string = 'info', fd: number = 2): Logger {
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError('ERR_LOG_LEVEL', `log level is one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level)})`)
  return pino({ level, base: undefined }, pino.destination({ fd, sync: true }))
}
