/**
 * Live traffic in the cluster console: subscribe to a topic (an EventSource on /ui/api/subscribe), the
 * deliveries newest first (at most 200 kept), a publish form (POST /ui/api/publish) showing its answer and
 * a broadcast button (POST /ui/api/broadcast) whose spreading the overlay graph animates over the eager tree.
 */
import { h, short } from '../shared.js'
import { normalizeDelivery, postJson, type Delivery } from './api.js'
import { hooks } from './hooks.js'

const MAX_DELIVERIES = 200

export class Traffic {
  readonly element: HTMLElement
  private source: EventSource | undefined
  private readonly list = h('ul', { class: 'deliveries', id: 'deliveries' })
  private readonly status = h('span', { class: 'muted', id: 'sub-status' }, 'not subscribed')
  private readonly result = h('pre', { class: 'result', id: 'publish-result' })
  private count = 0
  /** Called with the broadcast's id; returns the hops its animation shows. */
  onBroadcast: (id: string) => number = () => 0

  constructor (defaultTopic: () => string) {
    const subTopic = h('input', { id: 'sub-topic', placeholder: 'topic', size: '14' })
    const subBtn = h('button', { id: 'sub-button', type: 'button' }, 'Subscribe')
    subBtn.addEventListener('click', () => { this.subscribe(subTopic.value.trim() !== '' ? subTopic.value.trim() : defaultTopic()) })

    const pubTopic = h('input', { id: 'pub-topic', placeholder: 'topic', size: '14' })
    const pubText = h('input', { id: 'pub-text', placeholder: 'message', size: '20' })
    const pubBtn = h('button', { id: 'pub-button', type: 'submit' }, 'Publish')
    const form = h('form', { id: 'publish-form', class: 'row' }, pubTopic, pubText, pubBtn)
    form.addEventListener('submit', ev => {
      ev.preventDefault()
      const topic = pubTopic.value.trim() !== '' ? pubTopic.value.trim() : defaultTopic()
      void this.publish(topic, pubText.value)
    })

    const bcText = h('input', { id: 'bc-text', placeholder: 'broadcast payload', size: '20' })
    const bcBtn = h('button', { id: 'bc-button', type: 'button' }, 'Broadcast')
    bcBtn.addEventListener('click', () => { void this.broadcast(bcText.value !== '' ? bcText.value : 'ping') })

    this.element = h('section', { class: 'panel traffic' },
      h('h2', {}, 'Live traffic'),
      h('div', { class: 'row' }, subTopic, subBtn, this.status),
      form,
      h('div', { class: 'row' }, bcText, bcBtn),
      this.result,
      this.list)
  }

  subscribe (topic: string): void {
    this.source?.close()
    if (topic === '') return
    const es = new EventSource(`/ui/api/subscribe?topic=${encodeURIComponent(topic)}`)
    this.source = es
    this.status.textContent = `subscribing to ${topic}…`
    es.onopen = () => { this.status.textContent = `subscribed to ${topic}` }
    es.onerror = () => { this.status.textContent = `${topic}: reconnecting…` }
    es.onmessage = ev => {
      let d: Delivery
      try { d = normalizeDelivery(JSON.parse(String(ev.data))) } catch { return }
      this.add(topic, d)
    }
  }

  private add (topic: string, d: Delivery): void {
    const time = new Date(d.receivedAt > 0 ? d.receivedAt : Date.now()).toLocaleTimeString()
    const li = h('li', {},
      h('span', { class: 'muted' }, time, ' '),
      h('b', {}, topic), ' ',
      h('span', { class: 'muted', title: d.from }, `from ${short(d.from)}`), ' ',
      h('span', { class: 'data' }, d.data.length > 300 ? `${d.data.slice(0, 300)}…` : d.data),
      d.encoding !== undefined && d.encoding !== 'utf8' ? h('span', { class: 'muted' }, ` (${d.encoding})`) : '')
    this.list.prepend(li)
    while (this.list.childElementCount > MAX_DELIVERIES) this.list.lastElementChild?.remove()
    this.count++
    hooks.deliveries = this.count
  }

  private async publish (topic: string, data: string): Promise<void> {
    this.result.textContent = `publishing to ${topic}…`
    try {
      const r = await postJson('/ui/api/publish', { topic, data })
      const body = typeof r.body === 'object' && r.body !== null ? r.body : { error: r.body }
      hooks.lastPublish = { status: r.status, ...body }
      this.result.textContent = `${r.ok ? 'published' : `failed (HTTP ${r.status})`}: ${JSON.stringify(body)}`
    } catch (e) {
      this.result.textContent = `publish failed: ${(e as Error).message}`
    }
  }

  private async broadcast (data: string): Promise<void> {
    try {
      const r = await postJson('/ui/api/broadcast', { data })
      this.result.textContent = `${r.ok ? 'broadcast' : `broadcast failed (HTTP ${r.status})`}: ${JSON.stringify(r.body)}`
      if (r.ok) {
        const id = typeof r.body === 'object' && r.body !== null && typeof (r.body as { id?: unknown }).id === 'string' ? (r.body as { id: string }).id : ''
        hooks.lastBroadcast = { id, hops: this.onBroadcast(id) }
      }
    } catch (e) {
      this.result.textContent = `broadcast failed: ${(e as Error).message}`
    }
  }
}
