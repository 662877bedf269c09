// The report's embedded JSON cannot end its <script> element early, and parses back to the same data.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { scriptJson } from './html.js'

test('scriptJson escapes "<" so no "</script>" or "<!--" ends the data element', () => {
  const data = { title: '</script><script>alert(1)</script> <!-- x', line: 'a\u2028b' }
  const s = scriptJson(data)
  assert.ok(!s.includes('<'))
  assert.ok(!s.includes('\u2028'))
  assert.deepEqual(JSON.parse(s), data)
})
