/**
 * What a running agent records about itself in its data directory (`agent.json`), so the CLI and other
 * local tools find its control API and hold its token. The file is this user's alone (0600, set with chmod
 * whatever the umask) and replaced atomically, so a reader never sees half of it.
 */
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const DEFAULT_DATA_DIR = '.grapevine'
export const RECORD_FILE = 'agent.json'

export interface AgentRecord {
  peerId: string
  multiaddrs: string[]
  api: string
  /** The bearer token of the control API (a new one each start). */
  token: string
  /** The control API's unix socket, when the agent has one. */
  socket?: string
  dataDir: string
  pid: number
  /** The cluster console's one-time login link, printed at start (never written to agent.json). */
  login?: string
}

export function recordPath (dataDir: string): string {
  return join(dataDir, RECORD_FILE)
}

/** Writes the record 0600 beside its place, then renames it there (src/net/private-files.ts does the same for the net layer). */
export function writeRecord (record: AgentRecord): string {
  const file = recordPath(record.dataDir)
  const tmp = `${file}.${process.pid}.tmp`
  rmSync(tmp, { force: true })
  writeFileSync(tmp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600, flag: 'wx' })
  if (process.platform !== 'win32') chmodSync(tmp, 0o600)
  renameSync(tmp, file)
  return file
}

/** The record in `dataDir`; throws (ENOENT, or a SyntaxError) when there is none. */
export function readRecord (dataDir: string): AgentRecord {
  return JSON.parse(readFileSync(recordPath(dataDir), 'utf8')) as AgentRecord
}
