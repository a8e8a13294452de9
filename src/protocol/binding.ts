/** The two ways a DSP message travels: libp2p streams between Allmende nodes, HTTPS to any DSP connector. */
export type DspBinding = 'libp2p' | 'http'

/**
 * How the domain learns which binding reaches a peer without reading its address itself: the
 * dispatcher (`src/bindings/dispatcher.ts`) implements it.
 */
export interface PeerAddressing {
  /** The binding that reaches a peer's DSP address (`callbackAddress`, base URL, `/p2p/…`; none: libp2p). */
  bindingOf(address: string | undefined): DspBinding
  /** This node's own DSP address on a binding (its `callbackAddress`); undefined when it does not listen there. */
  ownAddress(binding: DspBinding): string | undefined
}
