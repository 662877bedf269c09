/**
 * Small helpers shared by the browser pages (the cluster console, web/console.ts, and the simulation
 * reports, web/report.ts): element creation and number formatting. No framework: the pages are small.
 */

/** Creates an element with attributes and children: h('div', { class: 'x' }, 'text', child). */
export function h<K extends keyof HTMLElementTagNameMap> (tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v)
  for (const c of children) e.append(c)
  return e
}

/** 1234567 → "1,234,567"; 0.00421 → "0.0042". */
export function fmt (x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x)
  if (Number.isInteger(x)) return x.toLocaleString('en-US')
  return x.toLocaleString('en-US', { maximumSignificantDigits: Math.max(1, digits + 1) })
}

/** The short form of a peer id: its last 6 characters. */
export function short (id: string): string {
  return `…${id.slice(-6)}`
}
