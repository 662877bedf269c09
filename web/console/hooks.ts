/**
 * The test hooks of the cluster console: `window.__grapevine`, kept current by the page's modules so that
 * the browser test (test/web/console-page.test.ts) can wait on what the page shows without scraping it.
 */

export interface Hooks {
  nodes: number
  edges: { active: number, mesh: number, eager: number }
  deliveries: number
  ready: boolean
  lastPublish?: object
  /** The last broadcast's answer and the hops of its animation over the eager tree. */
  lastBroadcast?: { id: string, hops: number }
}

declare global {
  interface Window { __grapevine: Hooks }
}

export const hooks: Hooks = { nodes: 0, edges: { active: 0, mesh: 0, eager: 0 }, deliveries: 0, ready: false }
window.__grapevine = hooks
