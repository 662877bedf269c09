/**
 * Files that only this user may read, kept the way ssh keeps its keys: folders 0700, files 0600. Modes are
 * set with chmod after creation, so the process umask does not matter; key material that is open to other
 * users is refused with one line naming the `chmod` that fixes it. (No-op on Windows, which has no modes.)
 */
import { chmodSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { UsageError } from '../core/errors.js'

export const PRIVATE_DIR = 0o700
export const PRIVATE_FILE = 0o600
const CHECKED = process.platform !== 'win32'

/** A path as one shell word, so the `chmod` in a message can be pasted as it is. */
function shellWord (path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`
}

/**
 * Refuses `path` (a folder or a file holding `what`) if its group or others have any permission on it:
 * a UsageError whose one line says what to run.
 */
export function assertPrivate (path: string, what: string): void {
  if (!CHECKED) return
  const st = statSync(path)
  const mode = st.mode & 0o777
  if ((mode & 0o077) === 0) return
  const want = st.isDirectory() ? '700' : '600'
  throw new UsageError('ERR_PERMISSIONS', `${what} ${path} is open to other users (mode ${mode.toString(8).padStart(4, '0')}); run: chmod ${want} ${shellWord(path)}`)
}

/** Sets a folder (`dir: true`) or a file to this user only, whatever the umask made it. */
export function makePrivate (path: string, dir: boolean): void {
  if (CHECKED) chmodSync(path, dir ? PRIVATE_DIR : PRIVATE_FILE)
}

/**
 * Writes `data` to `path` readable by this user only. `replace`: atomically over an existing file (written
 * beside it, then renamed, so a reader never sees half of it); otherwise an existing file is an error.
 */
export function writePrivateFile (path: string, data: string | Uint8Array, replace: boolean): void {
  const target = replace ? `${path}.${process.pid}.tmp` : path
  writeFileSync(target, data, { mode: PRIVATE_FILE, flag: 'wx' })
  makePrivate(target, false)
  if (replace) renameSync(target, path)
}
