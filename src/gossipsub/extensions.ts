/**
 * GossipSub v1.3: the Extensions control message (libp2p specs pubsub/gossipsub/gossipsub-v1.3.md), and
 * the experimental Test Extension (extensions/experimental/test-extension.md), as go-libp2p-pubsub does
 * them.
 *
 * - A peer whose stream negotiated `/meshsub/1.3.0` may describe what it supports in an Extensions control
 *   message (`control.extensions`, field 6). It goes in the first RPC on the stream, and never again. A
 *   node that supports no extension sends none (the spec allows omitting it).
 * - Extensions are not negotiated: each side says what it supports and each extension's spec says how the
 *   two sets combine. An extension is in use with a peer once we have sent our Extensions (the stream is
 *   1.3) and received the peer's — the peer's first RPC says what it supports; an RPC without the message
 *   means "nothing".
 * - A second Extensions message from a peer breaks the spec: it costs a behaviour penalty (P7), is counted
 *   and reported (`penalise`), and is otherwise ignored (go-libp2p-pubsub adds 10 to P7 for it; ours is
 *   `extensionsRepeatPenalty`, 1 by default, as for a GRAFT during backoff: graded, never a ban).
 * - Extensions we do not know are ignored: protobuf skips their fields (go's partial-messages fields
 *   among them); `partialMessages` is decoded and recorded only so `peerExtensions` can show it.
 * - Test Extension: when both sides advertise it, each sends one RPC carrying an empty `testExtension`
 *   (RPC field 6492434), so the mechanism can be checked across implementations.
 *
 * Per-peer state lives only while the peer's stream is up (`onPeerDown` forgets it), so the table is
 * bounded by the router's peers.
 */
import type { LocalIo, NodeId } from '../core/protocol.js'
import type { RPC } from '../wire/rpc.js'

/** The protocol id of GossipSub v1.3, the first version with the Extensions control message. */
export const MESHSUB_V13 = '/meshsub/1.3.0'

/** What a peer says it supports (the fields of ControlExtensions we know). */
export interface PeerExtensions {
  testExtension: boolean
  partialMessages: boolean
}

/** The extensions side of the router's counters (merged into GossipSubStats). */
export interface ExtensionStats {
  /** Extensions control messages sent (one per 1.3 peer at most). */
  extensionsSent: number
  /** First RPCs from peers read for their extensions. */
  extensionsReceived: number
  /** Extensions control messages after a peer's first RPC: penalised and ignored. */
  extensionsRepeated: number
  testExtensionsSent: number
  testExtensionsReceived: number
}

export function emptyExtensionStats (): ExtensionStats {
  return { extensionsSent: 0, extensionsReceived: 0, extensionsRepeated: 0, testExtensionsSent: 0, testExtensionsReceived: 0 }
}

/** Our side: which extensions we advertise, and what a repeated Extensions message costs. */
export interface ExtensionSettings {
  testExtension: boolean
  extensionsRepeatPenalty: number
}

/** What the extension state needs from the router. */
export interface ExtensionHost {
  readonly stats: ExtensionStats
  send (peer: NodeId, rpc: RPC): void
  readonly score: { addPenalty (peer: NodeId, count?: number): void }
  readonly io: Pick<LocalIo<unknown, unknown>, 'report'>
}

interface PeerState {
  /** We sent our Extensions (or would have: the stream negotiated 1.3). */
  sent: boolean
  /** What the peer's first RPC said it supports; undefined until that RPC. */
  theirs?: PeerExtensions
  /** The peer's Test Extension message arrived. */
  testReceived: boolean
}

const NONE: PeerExtensions = { testExtension: false, partialMessages: false }

export class Extensions {
  private readonly peers = new Map<NodeId, PeerState>()
  /** What we advertise (we implement no partial messages). */
  readonly mine: PeerExtensions

  constructor (private readonly settings: ExtensionSettings, private readonly host: ExtensionHost) {
    this.mine = { testExtension: settings.testExtension, partialMessages: false }
  }

  /** Whether we advertise anything (an Extensions message is sent only then). */
  get any (): boolean {
    return this.mine.testExtension || this.mine.partialMessages
  }

  /**
   * A peer's stream is up. Returns the Extensions control message to put in the first RPC to it: only when
   * the stream negotiated `/meshsub/1.3.0` and we support some extension.
   */
  onPeerUp (peer: NodeId, protocol: string | undefined): RPC.ControlExtensions | undefined {
    const v13 = protocol === MESHSUB_V13
    this.peers.set(peer, { sent: v13, testReceived: false })
    if (!v13 || !this.any) return undefined
    this.host.stats.extensionsSent++
    const ext: RPC.ControlExtensions = {}
    if (this.mine.testExtension) ext.testExtension = true
    if (this.mine.partialMessages) ext.partialMessages = true
    return ext
  }

  onPeerDown (peer: NodeId): void {
    this.peers.delete(peer)
  }

  /** Every RPC from a known peer, before the router reads the rest of it. */
  onRpc (peer: NodeId, rpc: RPC): void {
    const st = this.peers.get(peer)
    if (st === undefined) return
    const ext = rpc.control?.extensions
    if (st.theirs === undefined) {
      // The peer's first RPC: what it carries (or not) is what the peer supports.
      this.host.stats.extensionsReceived++
      st.theirs = ext === undefined ? NONE : { testExtension: ext.testExtension === true, partialMessages: ext.partialMessages === true }
      if (st.sent) this.activate(peer, st.theirs)
    } else if (ext !== undefined) {
      this.host.stats.extensionsRepeated++
      this.host.score.addPenalty(peer, this.settings.extensionsRepeatPenalty)
      this.host.io.report(peer, 'penalise', 'repeated Extensions control message')
    }
    if (rpc.testExtension !== undefined && st.sent && this.mine.testExtension && st.theirs.testExtension) {
      this.host.stats.testExtensionsReceived++
      st.testReceived = true
    }
  }

  /** What `peer` said it supports (undefined before its first RPC, or for an unknown peer). */
  peerExtensions (peer: NodeId): PeerExtensions | undefined {
    const t = this.peers.get(peer)?.theirs
    return t === undefined ? undefined : { ...t }
  }

  /** Whether `peer` sent us its Test Extension message. */
  testReceived (peer: NodeId): boolean {
    return this.peers.get(peer)?.testReceived === true
  }

  /** Both sides have spoken: start the extensions both support. */
  private activate (peer: NodeId, theirs: PeerExtensions): void {
    if (this.mine.testExtension && theirs.testExtension) {
      this.host.stats.testExtensionsSent++
      this.host.send(peer, { subscriptions: [], messages: [], testExtension: {} })
    }
  }
}
