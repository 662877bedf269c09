// Storage that never lies (ARCHITECTURE.md, "Storage"): a damaged data directory is refused at start with
// one line saying what to run, or recovered explicitly — never a silent partial load, never a new identity
// over existing data — and a node that lost writes resumes above what its peers saw of it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, openSync, writeSync, closeSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { waitUntil } from '../../src/agent/cluster.js'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'

const listen = ['/ip4/127.0.0.1/tcp/0']
const text = (b: Uint8Array | undefined): string | undefined => b === undefined ? undefined : new TextDecoder().decode(b)

/** The database's write-ahead log (the largest .log file). */
function logFile (dir: string): string {
  const db = join(dir, 'db')
  const logs = readdirSync(db).filter(f => f.endsWith('.log')).map(f => join(db, f))
  logs.sort((a, b) => statSync(b).size - statSync(a).size)
  return logs[0]!
}

/** A node alone that wrote `n` keys and stopped; returns its peer id. */
async function written (dir: string, n: number): Promise<string> {
  const node = await createNode({ dataDir: dir, listen })
  for (let i = 1; i <= n; i++) await node.state.set(`k${i}`, `v${i}`)
  const id = node.peerId
  await node.stop()
  return id
}

async function refused (dir: string): Promise<string> {
  try {
    const node = await createNode({ dataDir: dir, listen })
    await node.stop()
  } catch (err) {
    const e = err as Error & { code?: string }
    assert.ok(!e.message.includes('\n'), 'one line')
    return `${e.code ?? ''}: ${e.message}`
  }
  assert.fail('a damaged data directory was opened without complaint')
}

test('damaged data directories are refused with one line, or recovered explicitly and loudly', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'grapevine-storage-'))
  const outcomes: string[] = []
  try {
    // Truncated log: half of it gone.
    const truncated = join(root, 'truncated')
    const id = await written(truncated, 300)
    truncateSync(logFile(truncated), Math.floor(statSync(logFile(truncated)).size / 2))
    const why = await refused(truncated)
    assert.match(why, /ERR_DATA_DAMAGED: .*truncated.*--recover/)
    outcomes.push(`truncated log → ${why}`)
    const back = await createNode({ dataDir: truncated, listen, recover: true })
    try {
      assert.equal(back.peerId, id, 'same identity')
      assert.equal(back.info().recovering, true, 'recovering its own entries before writing')
      assert.ok(back.info().storage!.damage.length > 0, 'the damage is reported in info')
      await assert.rejects(back.state.set('x', 'y'), /recovering/)
    } finally {
      await back.stop()
    }

    // Garbage in the middle of the log.
    const garbage = join(root, 'garbage')
    await written(garbage, 300)
    const log = logFile(garbage)
    const fd = openSync(log, 'r+')
    writeSync(fd, new Uint8Array(4096).map((_, i) => (i * 131 + 7) & 255), 0, 4096, Math.floor(statSync(log).size / 3))
    closeSync(fd)
    const whyGarbage = await refused(garbage)
    assert.match(whyGarbage, /ERR_DATA_DAMAGED/)
    outcomes.push(`garbage in the log → ${whyGarbage}`)

    // Empty log: nothing left, but the key file keeps the identity, and the witness shows writes are missing.
    const empty = join(root, 'empty')
    const emptyId = await written(empty, 50)
    truncateSync(logFile(empty), 0)
    const whyEmpty = await refused(empty)
    assert.match(whyEmpty, /ERR_DATA_DAMAGED: .*write 0 but write \d+ was acknowledged/)
    outcomes.push(`empty log → ${whyEmpty}`)
    const emptyBack = await createNode({ dataDir: empty, listen, recover: true })
    assert.equal(emptyBack.peerId, emptyId, 'never a new identity over existing data')
    await emptyBack.stop()

    // Missing key file beside existing data.
    const keyless = join(root, 'keyless')
    await written(keyless, 5)
    rmSync(join(keyless, 'key'))
    const whyKeyless = await refused(keyless)
    assert.match(whyKeyless, /ERR_DATA_DAMAGED: the key file .* is missing but .* holds state/)
    outcomes.push(`missing key file → ${whyKeyless}`)
    assert.ok(!existsSync(join(keyless, 'key')), 'no new key was made')

    // Corrupt metadata of the node's own origin.
    const corrupt = join(root, 'corrupt')
    const corruptId = await written(corrupt, 5)
    const db = new ClassicLevel<string, string>(join(corrupt, 'db'))
    await db.put(`o/${corruptId}`, '{"generation": 0, "known": ')
    await db.close()
    const whyCorrupt = await refused(corrupt)
    assert.match(whyCorrupt, /ERR_DATA_DAMAGED: .*own entries are damaged: its record is unreadable/)
    outcomes.push(`corrupt metadata → ${whyCorrupt}`)

    // A sound directory still opens, twice, with everything in it.
    const sound = join(root, 'sound')
    await written(sound, 20)
    for (let i = 0; i < 2; i++) {
      const node = await createNode({ dataDir: sound, listen })
      assert.equal(text(node.state.get('k20')), 'v20')
      assert.deepEqual(node.info().storage!.damage, [])
      await node.stop()
    }
    assert.equal(readFileSync(join(sound, 'key')).length, 32)
    console.log(outcomes.map(o => `# ${o}`).join('\n'))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('writes 1–200 replicated, the log damaged, a recovering restart: nothing lost, and the next write reaches every peer', { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'grapevine-recover-'))
  const state = { periodMs: 500 }
  const nodes: NetworkNode[] = []
  try {
    const a = await createNode({ dataDir: join(root, 'a'), listen, state })
    const b = await createNode({ dataDir: join(root, 'b'), listen, state, bootstrap: [a.multiaddrs()[0]!] })
    const c = await createNode({ dataDir: join(root, 'c'), listen, state, bootstrap: [a.multiaddrs()[0]!] })
    nodes.push(a, b, c)
    let x = await createNode({ dataDir: join(root, 'x'), listen, state, bootstrap: [a.multiaddrs()[0]!] })
    for (let i = 1; i <= 200; i++) await x.state.set(`k${i}`, `v${i}`)
    const id = x.peerId
    await waitUntil('versions 1–200 everywhere', () => nodes.every(n => n.state.entry('k200', id)?.version === 200), 30_000)
    await x.stop()
    const log = logFile(join(root, 'x'))
    truncateSync(log, Math.floor(statSync(log).size * 0.55))
    await assert.rejects(createNode({ dataDir: join(root, 'x'), listen, state }), /ERR_DATA_DAMAGED|damaged/)
    x = await createNode({ dataDir: join(root, 'x'), listen, state, recover: true, bootstrap: [a.multiaddrs()[0]!] })
    nodes.push(x)
    const damage = x.info().storage!.damage.join('; ')
    assert.match(damage, /ends at write \d+ but write \d+ was acknowledged/)
    await waitUntil('the recovery to end', () => !x.info().recovering, 30_000)
    assert.equal(x.state.entries({ origin: id }).length, 200, 'every key back from the peers')
    const t0 = Date.now()
    const w = await x.state.set('after', 'reaches everyone')
    await waitUntil('the first write after recovery to reach every peer', () => nodes.every(n => n.state.entry('after', id)?.version === w.version), 20_000)
    const took = Date.now() - t0
    console.log(`# damage: ${damage}; the first write after recovery reached 3 peers in ${took} ms (period ${state.periodMs} ms)`)
    for (const n of nodes) {
      assert.equal(n.state.entries({ origin: id }).length, 201, `${n.peerId.slice(-6)} holds all 200 keys and the new one`)
      assert.equal(text(n.state.get('k137', id)), 'v137')
    }
  } finally {
    for (const n of nodes.reverse()) await n.stop().catch(() => {})
    rmSync(root, { recursive: true, force: true })
  }
})
