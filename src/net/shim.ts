/**
 * What js-libp2p 3 expects of the runtime and Node 20 lacks, imported before libp2p: `Promise.withResolvers`
 * (ES2024), and a global `WebSocket` for the WebSockets transport (Node 22 has one; on 20 the `ws` package).
 */
import { WebSocket as WsWebSocket } from 'ws'

if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> () {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
if (typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'undefined') {
  Object.defineProperty(globalThis, 'WebSocket', { configurable: true, writable: true, value: WsWebSocket })
}
export {}
