import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IWantPromises } from './promises.js'

test('a promise is kept by its id, from anyone', () => {
  const p = new IWantPromises()
  p.expect(['a', 'b'], 'x', 10)
  assert.equal(p.delivered('a', 'y'), 'id')
  assert.equal(p.size, 1)
  assert.deepEqual(p.broken(10), ['x'])
})

test('a message from a peer that owes us, whatever its id, keeps that peer\'s oldest promise', () => {
  const p = new IWantPromises()
  p.expect(['a', 'b'], 'x', 10)
  p.expect(['c'], 'y', 10)
  assert.equal(p.delivered('other-name-of-a', 'x'), 'peer')
  assert.equal(p.delivered('unrelated', 'z'), undefined, 'a peer that owes nothing keeps nobody\'s promise')
  assert.equal(p.delivered('b', 'y'), 'id', 'the id matched first: x\'s promise for b is kept')
  assert.deepEqual(p.broken(10), ['y'], 'only y\'s promise of c is broken')
  assert.equal(p.size, 0)
})

test('a frame too big to read keeps the sender\'s oldest promise; nothing is broken before its deadline', () => {
  const p = new IWantPromises()
  p.expect(['a'], 'x', 10)
  p.expect(['b'], 'x', 20)
  assert.equal(p.deliveredBy('x'), true)
  assert.deepEqual(p.broken(15), [])
  assert.deepEqual(p.broken(20), ['x'])
  assert.equal(p.deliveredBy('x'), false)
})

test('bounded: promises beyond the limit are not recorded', () => {
  const p = new IWantPromises(2)
  p.expect(['a', 'b', 'c'], 'x', 10)
  assert.equal(p.size, 2)
  assert.deepEqual(p.broken(10), ['x', 'x'])
})
