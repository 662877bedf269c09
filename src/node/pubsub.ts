/**
 * The application's view of pub/sub, after go-libp2p-pubsub's model: `join(topic)` gives a `Topic`;
 * `topic.subscribe()` gives a `Subscription` read one message at a time with `next()` or `for await`;
 * `topic.publish(data)` says whom it was queued to, and whom it skipped and why.
 *
 * Back-pressure: publishes go out in call order; each first waits for room in the send queues of its target
 * peers (the driver's `SendQueues`). A peer whose queue stays full longer than `slowPeerMs` is skipped
 * (reported in the result) so a slow peer does not stall the fast ones; when every target's queue stays
 * full for `timeoutMs`, publish rejects with ERR_BACKPRESSURE. Never a silent drop. A publisher that subscribed receives its own messages; every
 * delivered message is also a `message` event.
 *
 * A facade of the composition layer, not a protocol core: it holds promises, buffers and timeouts (on the
 * driver's clock, so it is deterministic in the simulator). The node builder (./builder.ts) routes the
 * router's events to `handle`. Subscriptions have bounded buffers with an explicit overflow policy,
 * counted, never silent.
 */
import { EventEmitter } from 'node:events'
import { UsageError } from '../core/errors.js'
import type { Clock, NodeId, SendQueues } from '../core/protocol.js'
import type { GossipSub, GossipSubEvent, PublishResult, ValidationResult } from '../gossipsub/gossipsub.js'
import { peerIdString } from '../gossipsub/signing.js'
import type { RPC } from '../wire/rpc.js'


export interface Message {
  topic: string
  id: Uint8Array
  data: Uint8Array
  /** The author (StrictSign), or null (StrictNoSign). */
  from: NodeId | null
  /** The peer we received it from, or null for our own. */
  receivedFrom: NodeId | null
}

export type OverflowPolicy = 'drop-oldest' | 'drop-newest'

export interface SubscribeOptions {
  /** Messages buffered for a reader that is behind (default 1024). */
  bufferSize?: number
  /** What to drop when the buffer is full (default drop-oldest); `dropped` counts it. */
  overflow?: OverflowPolicy
}

export interface PublishOptions {
  /** Wait until at least this many peers subscribe to the topic before sending. */
  minPeers?: number
  /**
   * Give up waiting — for `minPeers`, or for room in the send queue of any target peer — after this long
   * (default 10 s); publish then rejects (ERR_NOT_ENOUGH_PEERS, ERR_BACKPRESSURE).
   */
  timeoutMs?: number
  /**
   * How long to wait for a target peer whose send queue is full while others have room; then it is skipped
   * (`skippedPeers`, reason `slow-peer`). Default 2 s.
   */
  slowPeerMs?: number
  signal?: AbortSignal
}

/** Bytes an RPC adds to a message's data at most, short of a long topic: framing, seqno, signature, key. */
const RPC_OVERHEAD = 256

/** How long publish waits for one slow peer by default (see `slowPeerMs`). */
export const SLOW_PEER_MS = 2000

export type Validator = (msg: Message) => ValidationResult | Promise<ValidationResult>

export interface PubSubEvents {
  /** A message of a subscribed topic was delivered here (the same one every subscription of the topic gets). */
  message: [Message]
}

export class PubSub extends EventEmitter<PubSubEvents> {
  private readonly topics = new Map<string, Topic>()
  private closed = false
  /** The last publish in line: publishes go out in call order. */
  private tail: Promise<unknown> = Promise.resolve()

  /**
   * `topicsChanged` is called after the node's topic set changed (topic discovery writes it into the state);
   * `queues` are the driver's send queues (none: always room).
   */
  constructor (readonly router: GossipSub, readonly clock: Clock, readonly topicsChanged: (now: number) => void = () => {}, readonly queues?: SendQueues) {
    super()
  }

  /** @internal Since when each target peer's send queue has been full (forgotten once it has room). */
  readonly fullSince = new Map<NodeId, number>()

  /** @internal The peers of `targets` whose send queue lacks room for `bytes` now; notes since when. */
  fullPeers (targets: readonly NodeId[], bytes: number, now: number): NodeId[] {
    const full: NodeId[] = []
    for (const p of targets) {
      if (this.queues!.room(this.router.name, p) >= bytes) {
        this.fullSince.delete(p)
        continue
      }
      full.push(p)
      if (!this.fullSince.has(p)) {
        if (this.fullSince.size >= 4096) this.fullSince.clear() // (a bound; at worst a slow peer is waited for again)
        this.fullSince.set(p, now)
      }
    }
    return full
  }

  /** @internal Runs `fn` after every publish called before it. */
  async inOrder<T> (fn: () => Promise<T> | T): Promise<T> {
    const run = this.tail.then(fn, fn)
    this.tail = run.catch(() => {})
    return await run
  }

  /** The handle for `topic`; joining twice returns the same one. */
  join (topic: string): Topic {
    this.checkOpen()
    if (typeof topic !== 'string' || topic === '') throw new UsageError('ERR_TOPIC', 'join() needs a non-empty topic name')
    let t = this.topics.get(topic)
    if (t === undefined) this.topics.set(topic, t = new Topic(this, topic))
    return t
  }

  /** Every event the router emits comes through here (the node builder wires it). */
  handle (event: GossipSubEvent): void {
    switch (event.type) {
      case 'message': {
        const m: Message = { topic: event.topic, id: event.id, data: event.data, from: event.from, receivedFrom: event.propagationSource }
        this.topics.get(event.topic)?.dispatch(m)
        this.emit('message', m)
        return
      }
      case 'subscription':
        this.topics.get(event.topic)?.peerEvent(event.peer, event.subscribed)
        return
      case 'validate': {
        const t = this.topics.get(event.topic)
        if (t === undefined) {
          this.router.reportValidation(this.clock.now(), event.key, 'ignore')
          return
        }
        t.validate(event.key, event.id, event.msg, event.from)
      }
    }
  }

  /** @internal */
  forget (topic: string): void {
    this.topics.delete(topic)
  }

  /** The node is stopping: every subscription ends (its readers see the end), later calls are refused. */
  close (): void {
    if (this.closed) return
    for (const t of this.topics.values()) t.close()
    this.closed = true
  }

  /** @internal */
  checkOpen (): void {
    if (this.closed) throw new UsageError('ERR_STOPPED', 'the node is stopped; create a new node to publish or subscribe')
  }
}

export class Topic {
  private readonly subs = new Set<Subscription>()
  private validator: Validator | undefined
  private readonly peerWaiters = new Set<() => void>()
  private readonly listeners = { join: new Set<(peer: NodeId) => void>(), leave: new Set<(peer: NodeId) => void>() }

  constructor (private readonly ps: PubSub, readonly name: string) {}

  subscribe (opts: SubscribeOptions = {}): Subscription {
    this.ps.checkOpen()
    const sub = new Subscription(this, opts.bufferSize ?? 1024, opts.overflow ?? 'drop-oldest')
    if (this.subs.size === 0) {
      this.ps.router.subscribe(this.ps.clock.now(), this.name)
      this.ps.topicsChanged(this.ps.clock.now())
    }
    this.subs.add(sub)
    return sub
  }

  /**
   * Publishes `data` once its target peers' send queues have room (see the module comment); with
   * `minPeers`, first waits for that many topic peers.
   */
  async publish (data: Uint8Array, opts: PublishOptions = {}): Promise<PublishResult> {
    this.ps.checkOpen()
    const timeoutMs = opts.timeoutMs ?? 10_000
    const slowPeerMs = opts.slowPeerMs ?? SLOW_PEER_MS
    for (const [k, v] of [['timeoutMs', timeoutMs], ['slowPeerMs', slowPeerMs]] as const) {
      if (typeof v !== 'number' || !(v >= 0)) throw new UsageError('ERR_OPTIONS', `publish: ${k} must be a number of milliseconds ≥ 0 (got ${String(v)})`)
    }
    opts.signal?.throwIfAborted()
    const deadline = this.ps.clock.now() + timeoutMs
    const min = opts.minPeers ?? 0
    if (min > 0 && this.peers().length < min) await this.waitForPeers(min, timeoutMs, opts.signal)
    return await this.ps.inOrder(async () => await this.publishWithRoom(data, deadline, slowPeerMs, opts.signal))
  }

  /** Peers known to subscribe to this topic. */
  peers (): NodeId[] {
    return this.ps.router.peersOf(this.name)
  }

  /** Calls `fn` when a peer subscribes ('join') or unsubscribes ('leave'); returns a function that stops it. */
  on (what: 'join' | 'leave', fn: (peer: NodeId) => void): () => void {
    this.listeners[what].add(fn)
    return () => this.listeners[what].delete(fn)
  }

  /** Every message of this topic goes through `fn` before delivery and forwarding (null: no validator). */
  setValidator (fn: Validator | null): void {
    this.validator = fn ?? undefined
    this.ps.router.setValidator(this.name, fn !== null)
  }

  /** @internal the node stops: end every subscription. */
  close (): void {
    for (const s of [...this.subs]) s.end()
  }

  /** @internal */
  dispatch (m: Message): void {
    for (const s of this.subs) s.push(m)
  }

  /** @internal */
  peerEvent (peer: NodeId, subscribed: boolean): void {
    for (const fn of this.listeners[subscribed ? 'join' : 'leave']) fn(peer)
    if (subscribed) for (const w of [...this.peerWaiters]) w()
  }

  /** @internal */
  validate (key: string, id: Uint8Array, msg: RPC.Message, from: NodeId): void {
    const fn = this.validator
    const report = (r: ValidationResult): void => this.ps.router.reportValidation(this.ps.clock.now(), key, r)
    if (fn === undefined) return report('accept')
    try {
      const author = msg.from === undefined ? null : peerIdString(msg.from)
      const r = fn({ topic: this.name, id, data: msg.data ?? new Uint8Array(0), from: author, receivedFrom: from })
      // A validator that throws or whose promise rejects rejects the message.
      if (typeof r === 'string') report(r)
      else r.then(report, () => report('reject'))
    } catch {
      report('reject')
    }
  }

  /** @internal */
  unsubscribed (sub: Subscription): void {
    this.subs.delete(sub)
    if (this.subs.size === 0) {
      this.ps.router.unsubscribe(this.ps.clock.now(), this.name)
      this.ps.topicsChanged(this.ps.clock.now())
    }
  }

  private async publishWithRoom (data: Uint8Array, deadline: number, slowPeerMs: number, signal?: AbortSignal): Promise<PublishResult> {
    const { router, clock, queues } = this.ps
    if (queues === undefined) return router.publish(clock.now(), this.name, data)
    for (;;) {
      signal?.throwIfAborted()
      this.ps.checkOpen() // the node may have stopped while this publish waited
      const now = clock.now()
      const targets = router.publishTargets(now, this.name)
      // Room for the message to every target (a driver's queues may share one uplink), or a whole empty queue.
      const need = Math.min((data.length + RPC_OVERHEAD) * targets.length, queues.capacity(router.name))
      const waiting = this.ps.fullPeers(targets, need, now)
      if (waiting.length === 0) return router.publish(now, this.name, data)
      const someRoom = waiting.length < targets.length
      // When the last of them will have been full for slowPeerMs (a peer already slow is skipped at once).
      let slowAt = -Infinity
      for (const p of waiting) slowAt = Math.max(slowAt, this.ps.fullSince.get(p)! + slowPeerMs)
      if (someRoom && now >= slowAt) return router.publish(now, this.name, data, { skip: new Set(waiting) })
      if (now >= deadline) {
        throw new UsageError('ERR_BACKPRESSURE', `publish to ${this.name}: the send queue of each of its ${targets.length} target peer(s) stayed full until the timeout ` +
          '(they take messages slower than they are published); publish less often or smaller messages, raise timeoutMs, or check the peers (info().driver.refusedQueueFull)')
      }
      await this.waitForRoom(waiting, need, (someRoom ? Math.min(slowAt, deadline) : deadline) - now, signal)
    }
  }

  /** Resolves when one of `peers` has room in its send queue, or after `ms`; rejects when `signal` aborts. */
  private async waitForRoom (peers: readonly NodeId[], bytes: number, ms: number, signal?: AbortSignal): Promise<void> {
    const { router, clock, queues } = this.ps
    await new Promise<void>((resolve, reject) => {
      const cancels: Array<() => void> = []
      let settled = false
      const settle = (err?: unknown): void => {
        if (settled) return
        settled = true
        for (const c of cancels) c()
        signal?.removeEventListener('abort', abort)
        if (err === undefined) resolve()
        else reject(err)
      }
      const abort = (): void => settle(signal!.reason ?? new Error('aborted'))
      for (const p of peers) cancels.push(queues!.onRoom(router.name, p, bytes, () => settle()))
      cancels.push(clock.after(ms, () => settle()))
      signal?.addEventListener('abort', abort, { once: true })
    })
  }

  private async waitForPeers (min: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.peers().length < min) return
        done()
        resolve()
      }
      const cancelTimer = this.ps.clock.after(timeoutMs, () => {
        done()
        reject(new UsageError('ERR_NOT_ENOUGH_PEERS', `topic ${this.name} has ${this.peers().length} peer(s), fewer than minPeers ${min}, after ${timeoutMs} ms; connect to more peers or lower minPeers`))
      })
      const abort = (): void => {
        done()
        reject(signal!.reason ?? new Error('aborted'))
      }
      const done = (): void => {
        cancelTimer()
        this.peerWaiters.delete(check)
        signal?.removeEventListener('abort', abort)
      }
      this.peerWaiters.add(check)
      signal?.addEventListener('abort', abort, { once: true })
      check()
    })
  }
}

export class Subscription implements AsyncIterable<Message> {
  /** Messages dropped because the reader was behind and the buffer full. */
  dropped = 0
  private readonly buffer: Message[] = []
  private readonly readers: Array<{ resolve: (m: Message) => void, reject: (e: unknown) => void }> = []
  private cancelled = false

  constructor (private readonly topic: Topic, readonly bufferSize: number, readonly overflow: OverflowPolicy) {
    if (!(bufferSize >= 1)) throw new UsageError('ERR_BUFFER', 'bufferSize must be at least 1')
  }

  /** The next message; waits for one. Rejects when cancelled or aborted. */
  next (signal?: AbortSignal): Promise<Message> {
    if (this.cancelled) return Promise.reject(new UsageError('ERR_CANCELLED', 'this subscription was cancelled; subscribe again to read more'))
    const m = this.buffer.shift()
    if (m !== undefined) return Promise.resolve(m)
    return new Promise<Message>((resolve, reject) => {
      const reader = { resolve, reject }
      this.readers.push(reader)
      signal?.addEventListener('abort', () => {
        const i = this.readers.indexOf(reader)
        if (i >= 0) this.readers.splice(i, 1)
        reject(signal.reason ?? new Error('aborted'))
      }, { once: true })
    })
  }

  /** Stops the subscription; pending `next()` calls reject; the topic is left when no subscription remains. */
  cancel (): void {
    this.finish(new UsageError('ERR_CANCELLED', 'subscription cancelled'))
  }

  /** @internal the node stops: like cancel, and readers are told why (a `for await` loop just ends). */
  end (): void {
    this.finish(new UsageError('ERR_STOPPED', 'the node stopped'))
  }

  private finish (why: UsageError): void {
    if (this.cancelled) return
    this.cancelled = true
    for (const r of this.readers.splice(0)) r.reject(why)
    this.buffer.length = 0
    this.topic.unsubscribed(this)
  }

  async * [Symbol.asyncIterator] (): AsyncIterator<Message> {
    while (!this.cancelled) {
      try {
        yield await this.next()
      } catch (err) {
        if (this.cancelled) return
        throw err
      }
    }
  }

  /** @internal */
  push (m: Message): void {
    if (this.cancelled) return
    const reader = this.readers.shift()
    if (reader !== undefined) return reader.resolve(m)
    if (this.buffer.length < this.bufferSize) {
      this.buffer.push(m)
      return
    }
    this.dropped++
    if (this.overflow === 'drop-oldest') {
      this.buffer.shift()
      this.buffer.push(m)
    }
  }
}
