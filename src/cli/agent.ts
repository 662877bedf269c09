/**
 * `grapevine agent`: runs a node (createNode) with its local control API until SIGINT / SIGTERM.
 * Options come from flags, or from a JSON config file with the same names (flags win). The API's token is
 * made at each start and kept in DIR/agent.json (0600), where the CLI finds it; the process makes its
 * files private (umask 077) on top of the explicit modes the data directory sets.
 */
import { readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { newToken, startApi } from '../agent/api.js'
import { DEFAULT_DATA_DIR, recordPath, writeRecord, type AgentRecord } from '../agent/record.js'
import { UsageError } from '../core/errors.js'
import { createLogger, LOG_LEVELS } from '../metrics/log.js'
import { promRegistry } from '../metrics/prom.js'
import { createNode, metricsSource, type NodeOptions } from '../net/create-node.js'
import { readSwarmKey } from '../net/pnet.js'
import { num } from './args.js'

export const AGENT_USAGE = `grapevine agent [options]

Runs a grapevine node: membership, broadcast, replicated state and pub/sub on js-libp2p.

  --listen MA            multiaddr to listen on, repeatable (default /ip4/0.0.0.0/tcp/0);
                         add /ip4/0.0.0.0/tcp/PORT/ws for WebSockets
  --bootstrap MA         a node to join through, …/p2p/<peer id>, repeatable
  --cluster NAME         find the cluster's members in a Kademlia DHT under this name (no bootstrap
                         list needed; grapevine's own DHT, /grapevine/kad/1.0.0)
  --dht-contact MA       a DHT node to enter the DHT through, …/p2p/<peer id>, repeatable; any
                         node of the DHT will do, member or not
  --mdns                 find members on the local network by multicast DNS
  --data-dir DIR         key and replicated state (default ./.grapevine)
  --config FILE          JSON with any of: listen, bootstrap, dataDir, apiPort, socket, psk, allow,
                         signaturePolicy, logLevel, membership, broadcast, state, gossipsub, discovery,
                         peerDiscovery ({ dht: { cluster, contacts }, mdns }), summaries
  --api-port PORT        control API on 127.0.0.1 (default 0: a free port, written to DIR/agent.json
                         with the API's token; the CLI reads both from there); it also serves
                         GET /metrics (Prometheus text format, same token)
  --socket PATH          serve the control API on a unix socket too (mode 0600)
  --psk FILE             a private cluster: only nodes with this pre-shared key (grapevine keygen FILE)
                         can connect; the file must be mode 0600
  --allow ID,...         only these peer ids may connect (repeatable)
  --signature-policy P   StrictSign (default) or StrictNoSign
  --durability D         sync (default: a write is acknowledged once on disk) or relaxed (once the
                         OS has it: faster, lost if the machine loses power)
  --recover              start from the intact part of a damaged data directory and take this
                         node's own entries back from its peers (the agent refuses a damaged one)
  --log-level L          ${LOG_LEVELS.join(', ')} (default info): the lowest level logged to
                         stderr, one JSON object a line (pino) with the message as "msg"
  --no-summaries         do not write this node's neighbourhood summary into the replicated state
                         (the cluster console then does not show it; config file: "summaries": false)
  --json                 print the startup record (without the token) as one JSON line, with the
                         console's one-time login link as "login"`

export async function agent (argv: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      listen: { type: 'string', multiple: true },
      bootstrap: { type: 'string', multiple: true },
      cluster: { type: 'string' },
      'dht-contact': { type: 'string', multiple: true },
      mdns: { type: 'boolean' },
      'data-dir': { type: 'string' },
      config: { type: 'string' },
      'api-port': { type: 'string' },
      socket: { type: 'string' },
      psk: { type: 'string' },
      allow: { type: 'string', multiple: true },
      'signature-policy': { type: 'string' },
      durability: { type: 'string' },
      recover: { type: 'boolean' },
      'log-level': { type: 'string' },
      'no-summaries': { type: 'boolean' },
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
  const { apiPort: fileApiPort, socket: fileSocket, psk: filePsk, logLevel: fileLogLevel, ...fileOptions } = file
  const logLevel = values['log-level'] ?? fileLogLevel ?? 'info'
  if (typeof logLevel !== 'string') throw new UsageError('ERR_CONFIG_FILE', `logLevel in the config file is one of ${LOG_LEVELS.join(', ')}`)
  const logger = createLogger(logLevel)
  const dataDir = resolve(values['data-dir'] ?? (typeof file.dataDir === 'string' ? file.dataDir : DEFAULT_DATA_DIR))
  const pskFile = values.psk ?? filePsk
  if (pskFile !== undefined && typeof pskFile !== 'string') throw new UsageError('ERR_CONFIG_FILE', 'psk in the config file is the path of a key file (grapevine keygen FILE)')
  const socket = values.socket ?? fileSocket
  if (socket !== undefined && typeof socket !== 'string') throw new UsageError('ERR_CONFIG_FILE', 'socket in the config file is a path')
  const allow = values.allow?.flatMap(a => a.split(',')).map(a => a.trim()).filter(a => a !== '')
  const options: NodeOptions = {
    ...(fileOptions as NodeOptions),
    dataDir,
    ...(values.listen !== undefined ? { listen: values.listen } : {}),
    ...(values.bootstrap !== undefined ? { bootstrap: values.bootstrap } : {}),
    ...(allow !== undefined ? { allow } : {}),
    ...(pskFile !== undefined ? { psk: readSwarmKey(pskFile) } : {}),
    ...(values['signature-policy'] !== undefined ? { signaturePolicy: values['signature-policy'] as NodeOptions['signaturePolicy'] } : {}),
    ...(values.durability !== undefined ? { durability: values.durability as NodeOptions['durability'] } : {}),
    ...(values.recover === true ? { recover: true } : {}),
    // The cluster console draws the cluster from the nodes' summaries: on for agents unless turned off.
    summaries: values['no-summaries'] === true ? false : (fileOptions as NodeOptions).summaries ?? true,
    logger
  }
  const pd = peerDiscoveryOf(options.peerDiscovery, values.cluster, values['dht-contact'], values.mdns)
  if (pd !== undefined) options.peerDiscovery = pd
  if (options.listen === undefined) options.listen = ['/ip4/0.0.0.0/tcp/0']
  const apiPort = num(values['api-port'] ?? (fileApiPort === undefined ? undefined : String(fileApiPort)), 'api-port', 0, { min: 0, max: 65535, int: true })

  // A stray rejection inside a library must not take the node down: log it (it is a bug to report).
  process.on('unhandledRejection', (err) => logger.error({ err }, 'grapevine agent: unhandled rejection (please report)'))
  // Files the agent and LevelDB make from now on are this user's alone (explicit modes are set as well).
  if (process.platform !== 'win32') process.umask(0o077)
  const node = await createNode(options) // (it logs bans and disconnects; penalties are counted in `grapevine info`)
  const token = newToken()
  const recordFile = recordPath(dataDir)
  let api
  try {
    const metrics = promRegistry(metricsSource(node))
    api = await startApi(node, { token, port: apiPort, tokenFile: recordFile, logger, metrics, metricsSource: metricsSource(node), ...(socket !== undefined ? { socket: resolve(socket) } : {}) })
  } catch (err) {
    await node.stop()
    throw err instanceof UsageError ? err : new UsageError('ERR_API', `cannot serve the control API: ${(err as Error).message}`)
  }
  const record: AgentRecord = { peerId: node.peerId, multiaddrs: node.multiaddrs(), api: api.url, token, ...(api.socket !== null ? { socket: api.socket } : {}), dataDir, pid: process.pid }
  writeRecord(record)
  const login = api.loginUrl()
  if (values.json === true) {
    const { token: _secret, ...shown } = record
    out(JSON.stringify({ ...shown, login }))
  } else {
    out(`grapevine agent ${node.peerId}`)
    for (const a of record.multiaddrs) out(`  listening    ${a}`)
    out(`  control API  ${api.url}${api.socket !== null ? ` and ${api.socket}` : ''}  (address and token in ${recordFile}, mode 0600)`)
    out(`  data         ${dataDir}`)
    out(`  console      ${login}`)
    out('               (a one-time link, valid 10 minutes; `grapevine ui` makes a new one)')
  }
  await new Promise<void>(resolve => {
    const stop = (): void => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  // The node stops first, so open subscription streams end with a line saying why (their clients exit
  // with one line), and requests meanwhile are refused with 503; then the API's connections close.
  await node.stop()
  await api.close()
  rmSync(recordFile, { force: true })
  // Everything of ours is closed; libp2p's address manager leaves a 1 s debounce timer that would keep the
  // process alive that much longer (the exit code is set by then).
  setTimeout(() => process.exit(), 50).unref()
  return 0
}

/** The config file's peerDiscovery with the flags on top (a flag wins over the file's value). */
function peerDiscoveryOf (file: NodeOptions['peerDiscovery'], cluster: string | undefined, contacts: string[] | undefined, mdns: boolean | undefined): NodeOptions['peerDiscovery'] {
  if (cluster === undefined && contacts === undefined && mdns === undefined) return file
  const out = { ...file }
  const name = cluster ?? file?.dht?.cluster
  if (name === undefined && contacts !== undefined) throw new UsageError('ERR_OPTIONS', '--dht-contact needs --cluster NAME: the name the cluster\'s members are found under')
  if (name !== undefined) out.dht = { ...file?.dht, cluster: name, ...(contacts !== undefined ? { contacts } : {}) }
  if (mdns !== undefined) out.mdns = mdns
  return out
}
