/**
 * `grapevine keygen FILE`: a new pre-shared key for a private cluster (libp2p's swarm.key v1 format),
 * written with mode 0600 and never over an existing file. Every node of the cluster is started with
 * `--psk FILE` (a copy of the same key); nodes without it cannot connect.
 */
import { UsageError } from '../core/errors.js'
import { writeSwarmKey } from '../net/pnet.js'

export const KEYGEN_USAGE = `grapevine keygen FILE

Writes a new pre-shared key (swarm.key v1: /key/swarm/psk/1.0.0/, /base16/, 64 hex digits) to FILE,
readable by you only (mode 0600). Give a copy to every node of the cluster: grapevine agent --psk FILE.`

export function keygen (argv: string[], out: (line: string) => void = console.log): number {
  const [file, ...extra] = argv
  if (file === undefined || file.startsWith('-') || extra.length > 0) throw new UsageError('ERR_ARG', `usage: ${KEYGEN_USAGE.split('\n')[0]}`)
  writeSwarmKey(file)
  out(`wrote a new pre-shared key to ${file} (mode 0600); start every node of the cluster with --psk ${file}`)
  return 0
}
