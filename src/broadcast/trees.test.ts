import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SourceTrees, rootOf } from './trees.js'

test('source trees: new trees copy the seed, changes stay in their tree, the least recently used goes first', () => {
  const t = new SourceTrees(2)
  assert.deepEqual(t.lazyOf('x', ['p'], true), ['p'])
  t.prune('x', 'q', [])
  assert.deepEqual(t.lazyOf('y', new Set(['r'])), ['r'], 'a new tree copies the seed given, not another tree')
  t.graft('x', 'p', [])
  assert.deepEqual(t.lazyOf('x', []), ['q'])
  assert.deepEqual(t.lazyOf('y', []), ['r'])
  t.lazyOf('x', [], true) // x used now: y is the least recently used
  t.prune('z', 's', ['u']) // made by a prune: a third tree evicts y
  assert.equal(t.size, 2)
  assert.deepEqual(t.lazyOf('z', []), ['u', 's'])
  assert.deepEqual(t.lazyOf('y', ['fresh']), ['fresh'], 'y was forgotten: it starts again from the seed')
  assert.deepEqual(t.lazyOf('z', []), ['u', 's'], 'z was newer than x, so x went')
  t.pruneAll('v')
  t.graftAll('u')
  assert.deepEqual(t.lazyOf('y', []), ['fresh', 'v'])
  assert.deepEqual(t.lazyOf('z', []), ['s', 'v'])
})

test('rootOf: the part before the last slash, the hint itself when it is that part', () => {
  assert.equal(rootOf('abc/12'), 'abc')
  assert.equal(rootOf('a/b/12'), 'a/b')
  assert.equal(rootOf('noslash'), '')
  assert.equal(rootOf('/12'), '')
  assert.equal(rootOf('abc/'), 'abc')
  const hint = ['ab', 'c'].join('')
  assert.equal(rootOf('abc/12', hint), hint)
  assert.equal(rootOf('abc/12', 'ab'), 'abc', 'a prefix that is not the whole source')
  assert.equal(rootOf('abc/1/2', 'abc'), 'abc/1', 'a later slash decides')
  assert.equal(rootOf('abd/12', 'abc'), 'abd')
  assert.equal(rootOf('abc/', 'abc'), 'abc')
})
