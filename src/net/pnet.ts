/**
 * Cluster admission by a pre-shared key: libp2p's private networks (@libp2p/pnet). Each connection is
 * encrypted with XSalsa20 under the shared key before anything else is said on it, so a node without the
 * key cannot get through the first handshake at all. Keys use go-libp2p's and IPFS's swarm.key v1 file
 * format (three lines: `/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits), and key files must be this
 * user's alone (0600), like the node's own key.
 */
import { readFileSync } from 'node:fs'
import { generateKey, preSharedKey } from '@libp2p/pnet'
import { UsageError } from '../core/errors.js'
import { assertPrivate, writePrivateFile } from './private-files.js'

const SWARM_KEY = /^\/key\/swarm\/psk\/1\.0\.0\/\r?\n\/base16\/\r?\n[0-9a-fA-F]{64}\s*$/

/** A new swarm.key v1 file's contents: 32 random bytes in hex (the header lines take 31 bytes). */
export function newSwarmKey (): Uint8Array {
  const key = new Uint8Array(31 + 64)
  generateKey(key)
  return key
}

/** Throws a UsageError unless `key` is a swarm.key v1 file's contents. */
export function checkSwarmKey (key: unknown, where: string): Uint8Array {
  if (!(key instanceof Uint8Array) || !SWARM_KEY.test(new TextDecoder().decode(key))) {
    throw new UsageError('ERR_PSK', `${where} is not a pre-shared key in the swarm.key v1 format (/key/swarm/psk/1.0.0/, /base16/, 64 hex digits); make one with "grapevine keygen FILE"`)
  }
  return key
}

/** Writes a new key to `file` (mode 0600); an existing file is left alone and refused. */
export function writeSwarmKey (file: string): void {
  try {
    writePrivateFile(file, newSwarmKey(), false)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError('ERR_PSK', code === 'EEXIST'
      ? `${file} exists: a cluster's nodes share one key, so it is not overwritten (remove it first, or choose another name)`
      : `cannot write ${file}: ${(err as Error).message}`)
  }
}

/** Reads a key file, refusing one that other users can read. */
export function readSwarmKey (file: string): Uint8Array {
  let key: Uint8Array
  try {
    assertPrivate(file, 'the pre-shared key file')
    key = readFileSync(file)
  } catch (err) {
    if (err instanceof UsageError) throw err
    throw new UsageError('ERR_PSK', `cannot read the pre-shared key file ${file}: ${(err as Error).message}`)
  }
  return checkSwarmKey(key, file)
}

/** The libp2p connection protector for a key. */
export function privateNetwork (key: Uint8Array): ReturnType<typeof preSharedKey> {
  return preSharedKey({ psk: key })
}
