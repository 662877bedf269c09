/** The node details panel of the cluster console: the summary fields of the node clicked in the graph. */
import { fmt, h, short } from '../shared.js'
import type { ClusterNode } from './api.js'

export class Details {
  readonly element = h('section', { class: 'panel details', id: 'details' }, h('h2', {}, 'Node'), h('p', { class: 'muted' }, 'click a node'))

  show (node: ClusterNode | undefined, self: string): void {
    if (node === undefined) return
    const s = node.summary
    const ids = (xs: string[]): HTMLElement => h('span', { title: xs.join('\n') }, xs.length === 0 ? '—' : xs.map(short).join(' '))
    const rows: Array<[string, Node | string]> = [
      ['id', h('code', {}, node.id)],
      ['age', `${fmt(node.ageMs / 1000)} s${node.ageMs > 30_000 ? ' (stale)' : ''}`],
      ['active', ids(s.active)],
      ['passive', fmt(s.passive)],
      ['eager', ids(s.eager)],
      ['lazy', fmt(s.lazy)],
      ['topics', s.topics.join(', ') || '—'],
      ['mesh', Object.entries(s.mesh).map(([t, p]) => `${t}: ${p.length}`).join(', ') || '—'],
      ['state', `${fmt(s.state.entries)} entries, ${fmt(s.state.origins)} origins, ${fmt(s.state.bytes)} B`],
      ['counters', Object.entries(s.counters).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')]
    ]
    this.element.replaceChildren(
      h('h2', {}, node.id === self ? 'Node (self)' : 'Node'),
      h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v)))))
  }
}
