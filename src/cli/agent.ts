/**
 * `grapevine agent`: runs a node (createNode) with its local control API until SIGINT / SIGTERM.
 * Options come from flags, or from a JSON config file with the same names (flags win).
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startApi } from '../agent/api.js'
import { DEFAULT_DATA_DIR, type AgentRecord } from '../agent/record.js'
import { UsageError } from '../core/errors.js'
import { createNode, type NodeOptions } from '../net/create-node.js'
import { num } from './args.js'

export const AGENT_USAGE = `grapevine agent [options]

Runs a grapevine node: membership, broadcast, replicated state and pub/sub on js-libp2p.

  --listen MA            multiaddr to listen on, repeatable (default /ip4/0.0.0.0/tcp/0);
                         add /ip4/0.0.0.0/tcp/PORT/ws for WebSockets
  --bootstrap MA         a node to join through, …/p2p/<peer id>, repeatable
  --data-dir DIR         key and replicated state (default ./.grapevine)
  --config FILE          JSON with any of: listen, bootstrap, dataDir, apiPort, signaturePolicy,
                         membership, broadcast, state, gossipsub, discovery
  --api-port PORT        control API on 127.0.0.1 (default 0: a free port, written to DIR/agent.json)
  --signature-policy P   StrictSign (default) or StrictNoSign
  --json                 print the startup record as one JSON line`

export async function agent (argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      'api-port': { type: 'string' },
      'signature-policy': { type: 'string' },
      json: { type: 'boolean' }
    },
    strict: true
  })
  let file: Record<string, unknown> = {}
  if (values.config !== undefined) {
    try {
      file = JSON.parse(readFileSync(values.config, 'utf8')) as Record<string, unknown>
    } catch (err) {
      throw new UsageError('ERR_CONFIG_FILE', `cannot read the config file ${values.config}: ${(err as Error).message}`)
    }
  }
  const { apiPort: fileApiPort, ...fileOptions } = file
  const dataDir = resolve(values['data-dir'] ?? (typeof file.dataDir === 'string' ? file.dataDir : DEFAULT_DATA_DIR))
  const options: NodeOptions = {
    ...(fileOptions as NodeOptions),
    dataDir,
    ...(values.listen !== undefined ? { listen: values.listen } : {}),
    ...(values.bootstrap !== undefined ? { bootstrap: values.bootstrap } : {}),
    ...(values['signature-policy'] !== undefined ? { signaturePolicy: values['signature-policy'] as NodeOptions['signaturePolicy'] } : {})
  }
  if (options.listen === undefined) options.listen = ['/ip4/0.0.0.0/tcp/0']
  const apiPort = num(values['api-port'] ?? (fileApiPort === undefined ? undefined : String(fileApiPort)), 'api-port', 0, { min: 0, max: 65535, int: true })

  // A stray rejection inside a library must not take the node down: log it (it is a bug to report).
  process.on('unhandledRejection', (err) => console.error('grapevine agent: unhandled rejection (please report):', err))
  const node = await createNode(options)
  // Bans and disconnects are logged (penalties are counted in `grapevine info`).
  node.on('misbehaviour', m => {
    if (m.sanction !== 'penalise') console.error(`grapevine agent: ${m.sanction} ${m.peer} (${m.core}: ${m.reason})`)
  })
  const api = await startApi(node, apiPort)
  const record: AgentRecord = { peerId: node.peerId, multiaddrs: node.multiaddrs(), api: api.url, dataDir, pid: process.pid }
  const recordFile = join(dataDir, 'agent.json')
  writeFileSync(recordFile, JSON.stringify(record, null, 2) + '\n')
  if (values.json === true) {
    out(JSON.stringify(record))
  } else {
    out(`grapevine agent ${node.peerId}`)
    for (const a of record.multiaddrs) out(`  listening    ${a}`)
    out(`  control API  ${api.url}  (recorded in ${recordFile})`)
    out(`  data         ${dataDir}`)
  }
  await new Promise<void>(resolve => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await api.close()
  await node.stop()
  rmSync(recordFile, { force: true })
  return 0
}
