/**
 * The replicated-state panel of the cluster console: GET /ui/api/state's origins (the 100 largest drawn,
 * the rest counted) and the peers this node is behind.
 */
import { fmt, h, short } from '../shared.js'
import type { StateView } from './api.js'

const MAX_ROWS = 100

export class StatePanel {
  readonly element: HTMLElement
  private readonly body = h('tbody')
  private readonly more = h('div', { class: 'muted' })
  private readonly behind = h('ul', { class: 'behind' })

  constructor () {
    const head = h('tr', {}, ...['origin', 'entries', 'tombstones', 'max version', 'bytes'].map(t => h('th', {}, t)))
    this.element = h('section', { class: 'panel state' },
      h('h2', {}, 'State'),
      h('div', { class: 'scroll' }, h('table', { id: 'origins' }, h('thead', {}, head), this.body)),
      this.more,
      h('h3', {}, 'Behind'),
      this.behind)
  }

  show (s: StateView): void {
    const rows = [...s.origins].sort((a, b) => b.entries - a.entries).slice(0, MAX_ROWS)
    this.body.replaceChildren(...rows.map(o => h('tr', {},
      h('td', { title: o.origin }, short(o.origin)), h('td', {}, fmt(o.entries)), h('td', {}, fmt(o.tombstones)),
      h('td', {}, fmt(o.maxVersion)), h('td', {}, fmt(o.bytes)))))
    this.more.textContent = s.origins.length > MAX_ROWS ? `… and ${fmt(s.origins.length - MAX_ROWS)} more origins` : `${s.origins.length} origins`
    this.behind.replaceChildren(...(s.behind.length === 0
      ? [h('li', { class: 'muted' }, 'up to date with every peer')]
      : s.behind.slice(0, MAX_ROWS).map(b => h('li', { title: b.peer }, `${short(b.peer)}: ${fmt(b.versionsBehind)} versions behind`))))
  }
}
