/**
 * What a running agent records about itself in its data directory (`agent.json`), so the CLI and other
 * local tools find its control API.
 */
export const DEFAULT_DATA_DIR = '.grapevine'

export interface AgentRecord {
  peerId: string
  multiaddrs: string[]
  api: string
  dataDir: string
  pid: number
}
