import { test } from 'node:test'
import assert from 'node:assert/strict'
import { noopIo } from '../core/io.js'
import { Rng } from '../core/rng.js'
import type { Env, NodeId } from '../core/protocol.js'
import type { AntiEntropy, StateChange } from '../state/antientropy.js'
import { TOPIC_KEY_PREFIX, TopicDiscovery } from './discovery.js'
import { GossipSub } from '../gossipsub/gossipsub.js'

/** A stand-in for the state core: a map of (origin, key) → value, with change observers. */
function fakeState (self: NodeId): { state: AntiEntropy, learn: (origin: NodeId, key: string, deleted?: boolean) => void } {
  const values = new Map<string, Uint8Array>()
  const observers: Array<(now: number, c: StateChange) => void> = []
  const learn = (origin: NodeId, key: string, deleted = false): void => {
    if (deleted) values.delete(`${origin} ${key}`)
    else values.set(`${origin} ${key}`, new Uint8Array([1]))
    const entry = { key, value: new Uint8Array([1]), version: 1, deleted, signature: new Uint8Array(0) }
    for (const fn of observers) fn(0, { type: 'change', origin, key, value: new Uint8Array([1]), version: 1, deleted, local: origin === self, entry, gone: false, meta: { generation: 0, known: 1, gcVersion: 0 } })
  }
  const state = {
    observe: (fn: (now: number, c: StateChange) => void) => observers.push(fn),
    * entries () {
      for (const [k, value] of values) {
        const [origin, key] = k.split(' ') as [string, string]
        yield { origin, key, value, version: 1 }
      }
    },
    get: (key: string, origin = self) => values.get(`${origin} ${key}`),
    set: (_now: number, key: string) => learn(self, key),
    delete: (_now: number, key: string) => learn(self, key, true)
  }
  return { state: state as unknown as AntiEntropy, learn }
}

function env (id: NodeId, dials: NodeId[] = []): Env<never, never, never> {
  return { id, name: 'test', rng: new Rng(1), io: noopIo({ connect: (p) => dials.push(p) }) }
}

test('topic discovery writes our topics into the state, dials members, backs off failed dials', () => {
  const { state, learn } = fakeState('me')
  const router = new GossipSub(env('me') as never, null, { signaturePolicy: 'StrictNoSign' })
  const dials: NodeId[] = []
  const d = new TopicDiscovery(env('me', dials) as never, state, router, { maxDialsPerTick: 2, minTopicPeers: 3 })
  for (const p of ['p1', 'p2', 'p3', 'p4']) learn(p, TOPIC_KEY_PREFIX + 'news')
  learn('p5', TOPIC_KEY_PREFIX + 'sports')
  router.subscribe(0, 'news')
  d.sync(0)
  assert.ok(state.get(TOPIC_KEY_PREFIX + 'news') !== undefined, 'our subscription is in the state')
  assert.equal(dials.length, 2, 'at most maxDialsPerTick dials per topic per tick')
  assert.ok(dials.every(p => ['p1', 'p2', 'p3', 'p4'].includes(p)), 'only members of the topic')
  // Both dials fail: the next tick tries the other two members, not the failed ones.
  const first = [...dials]
  for (const p of first) d.onPeerDown(1, p)
  assert.equal(d.stats.dialFailures, 2)
  dials.length = 0
  d.sync(1000)
  assert.equal(dials.length, 2)
  assert.ok(dials.every(p => !first.includes(p)), 'failed peers are not dialled again within the backoff')
  // Leaving the topic deletes the entry.
  router.unsubscribe(2000, 'news')
  d.sync(2000)
  assert.equal(state.get(TOPIC_KEY_PREFIX + 'news'), undefined)
  // A member whose entry was deleted is no longer a candidate.
  learn('p4', TOPIC_KEY_PREFIX + 'news', true)
  assert.ok(!d.membersOf('news').includes('p4'))
})

test('topic discovery bounds what remote state can make it index', () => {
  const { state, learn } = fakeState('me')
  const router = new GossipSub(env('me') as never, null, { signaturePolicy: 'StrictNoSign' })
  const d = new TopicDiscovery(env('me') as never, state, router, { maxTopics: 2, maxMembersPerTopic: 3 })
  for (let i = 0; i < 10; i++) learn(`p${i}`, TOPIC_KEY_PREFIX + 'a')
  learn('p0', TOPIC_KEY_PREFIX + 'b')
  learn('p0', TOPIC_KEY_PREFIX + 'c')
  assert.equal(d.membersOf('a').length, 3)
  assert.equal(d.membersOf('b').length, 1)
  assert.equal(d.membersOf('c').length, 0)
  assert.equal(d.stats.overflow, 8)
})
