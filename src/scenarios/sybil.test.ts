import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runPubsubScenario, type AttackResult } from './pubsub.js'
import { honestConfig, type SybilAttack } from './sybil.js'
import { simPaper } from '../cli/sim-paper.js'

/** One attack at reduced size (40 honest nodes, 60 for the eclipse; 5 publishers × 1/s for 8 s), scoring on or off. */
function attack (kind: SybilAttack, scoring: boolean): AttackResult {
  const r = runPubsubScenario({
    nodes: kind === 'eclipse' ? 60 : 40, publishers: 5, rate: 1, seconds: 8, warmupMs: 3000, latencySpreadMs: 2.5, attack: kind, sybils: 40, sybilDegree: 10,
    attackDelayMs: 3000, seed: 3, gossipsub: honestConfig(scoring, { threshold: 1, activationMs: 3000 })
  })
  assert.ok(r.attack !== null)
  return r.attack
}

test('eclipse: with scoring the target gets its messages in time; without, the Sybils hold its mesh and it waits for gossip', () => {
  const off = attack('eclipse', false)
  const on = attack('eclipse', true)
  assert.ok(off.target !== null && on.target !== null)
  assert.ok(on.target.deliveredInTime > off.target.deliveredInTime + 0.1, `on ${on.target.deliveredInTime}, off ${off.target.deliveredInTime}`)
  assert.ok(on.target.deliveredInTime > 0.95)
})

test('sybil, cold boot and covert flash run; scoring keeps the Sybils out of the meshes and delivery in time at least as good', () => {
  for (const kind of ['sybil', 'cold-boot', 'covert-flash'] as const) {
    const off = attack(kind, false)
    const on = attack(kind, true)
    assert.ok(off.messages > 0 && on.messages > 0)
    assert.equal(on.startMs, kind === 'covert-flash' ? 3000 : 0)
    assert.ok(off.sybilMeshShare > 0.3, `${kind}: Sybils hold ${off.sybilMeshShare} of the mesh slots without scoring`)
    assert.ok(on.sybilMeshShare < off.sybilMeshShare, `${kind}: ${on.sybilMeshShare} vs ${off.sybilMeshShare}`)
    assert.ok(on.deliveredInTime >= off.deliveredInTime, `${kind}: ${on.deliveredInTime} vs ${off.deliveredInTime}`)
  }
})

test('`sim paper gossipsub --check` parses the options and runs nothing', async () => {
  const lines: string[] = []
  assert.equal(await simPaper(['gossipsub', '--check', '--nodes', '100', '--attacks', 'eclipse,cold-boot'], l => lines.push(l)), 0)
  assert.equal(lines.filter(l => l.includes('would run')).length, 4)
  await assert.rejects(async () => await simPaper(['gossipsub', '--check', '--attacks', 'nope'], () => {}), /attacks/)
})
