// Helpers for real-network tests on 127.0.0.1: grapevine nodes (createNode, topic discovery off, so the
// tests choose every connection) and unmodified @libp2p/gossipsub nodes as the reference. Waiting is by
// polling a condition with a deadline (src/agent/cluster.ts).
import '../../src/net/shim.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub, type GossipSub as JsGossipSub, type GossipsubOpts } from '@libp2p/gossipsub'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { GossipSubConfig } from '../../src/gossipsub/gossipsub.js'
import type { SignaturePolicy } from '../../src/gossipsub/signing.js'
import { createNode, type NetworkNode } from '../../src/net/create-node.js'

export function seedOf (n: number): Uint8Array {
  return new Uint8Array(32).fill(n)
}

export interface GrapevineTestNode {
  kind: 'grapevine'
  node: NetworkNode
  got: Map<string, string[]>
  /** Message label (see labelOf) → the message id this node gave it. */
  ids: Map<string, Uint8Array>
}

/** A message's text, or for a large one its first 32 characters and its size. */
export function labelOf (data: Uint8Array): string {
  if (data.length <= 4096) return new TextDecoder().decode(data)
  return `${new TextDecoder().decode(data.subarray(0, 32))}…(${data.length} bytes)`
}

export async function grapevineNode (n: number, policy: SignaturePolicy, config: Partial<GossipSubConfig> = {}): Promise<GrapevineTestNode> {
  const node = await createNode({ seed: seedOf(n), listen: ['/ip4/127.0.0.1/tcp/0'], signaturePolicy: policy, gossipsub: config, discovery: false })
  return { kind: 'grapevine', node, got: new Map(), ids: new Map() }
}

export interface JsTestNode {
  kind: 'js'
  host: Libp2p<{ pubsub: JsGossipSub, identify: unknown }>
  got: Map<string, string[]>
  ids: Map<string, Uint8Array>
}

/** A js-libp2p host on 127.0.0.1 (TCP, Noise, Yamux, identify) with key seedOf(n) and `pubsub` as its pubsub service. */
export async function loopbackHost<P> (n: number, pubsub: (components: never) => P): Promise<Libp2p<{ identify: unknown, pubsub: P }>> {
  return await createLibp2p({
    privateKey: await generateKeyPairFromSeed('Ed25519', seedOf(n)),
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: { allow: ['/ip4/127.0.0.1'] },
    services: { identify: identify(), pubsub: pubsub as (components: object) => P }
  })
}

export async function jsNode (n: number, policy: SignaturePolicy, options: Partial<GossipsubOpts> = {}): Promise<JsTestNode> {
  const host = await loopbackHost(n, gossipsub({ globalSignaturePolicy: policy, allowPublishToZeroTopicPeers: true, ...options }))
  const got = new Map<string, string[]>()
  const ids = new Map<string, Uint8Array>()
  host.services.pubsub.addEventListener('gossipsub:message', (e) => {
    const m = e.detail.msg
    const l = got.get(m.topic) ?? []
    l.push(labelOf(m.data))
    got.set(m.topic, l)
    ids.set(labelOf(m.data), Buffer.from(e.detail.msgId, 'base64'))
  })
  return { kind: 'js', host, got, ids }
}

export type TestNode = GrapevineTestNode | JsTestNode

export function hostOf (n: TestNode): Libp2p {
  return n.kind === 'js' ? n.host as unknown as Libp2p : n.node.libp2p
}

/** Subscribes; grapevine messages are collected into `got` by a reader loop. */
export function subscribe (n: TestNode, topic: string): void {
  if (n.kind === 'js') {
    n.host.services.pubsub.subscribe(topic)
    return
  }
  const sub = n.node.pubsub.join(topic).subscribe()
  void (async () => {
    for await (const m of sub) {
      const l = n.got.get(topic) ?? []
      l.push(labelOf(m.data))
      n.got.set(topic, l)
      n.ids.set(labelOf(m.data), m.id)
    }
  })()
}

export async function publish (n: TestNode, topic: string, text: string | Uint8Array): Promise<void> {
  const data = typeof text === 'string' ? new TextEncoder().encode(text) : text
  if (n.kind === 'js') await n.host.services.pubsub.publish(topic, data)
  else await n.node.pubsub.join(topic).publish(data)
}

/** Topic peers a node sees (subscribed and connected). */
export function topicPeers (n: TestNode, topic: string): string[] {
  if (n.kind === 'js') return n.host.services.pubsub.getSubscribers(topic).map(p => p.toString())
  return n.node.cores.gossipsub.peersOf(topic)
}

export function meshPeers (n: TestNode, topic: string): string[] {
  if (n.kind === 'js') return (n.host.services.pubsub as unknown as { getMeshPeers: (t: string) => unknown[] }).getMeshPeers(topic).map(String)
  return [...(n.node.cores.gossipsub.mesh.get(topic) ?? [])]
}

export async function stopAll (nodes: TestNode[]): Promise<void> {
  for (const n of nodes) {
    if (n.kind === 'grapevine') await n.node.stop()
    else await n.host.stop()
  }
}

/** The score `of` gives `peer` (js: its router's; grapevine: its PeerScore now). */
export function scoreOf (of: TestNode, peer: string): number {
  if (of.kind === 'js') return (of.host.services.pubsub as unknown as { getScore: (p: string) => number }).getScore(peer)
  return of.node.cores.gossipsub.score.score(of.node.driver.now(), peer)
}

/** Whether `a` has an open connection to `b`. */
export function connected (a: TestNode, b: TestNode): boolean {
  return hostOf(a).getConnections(hostOf(b).peerId).some(c => c.status === 'open')
}
