import type { DspArea } from './dsp-errors.js'

/**
 * libp2p stream protocol ids, one per DSP area (spec/libp2p-framing.md), built as
 * `/allmende/dsp/<version>/<area>` like js-libp2p's `/${prefix}/${name}/${version}`.
 */
export const DSP_PROTOCOL_IDS = {
  catalog: '/allmende/dsp/2025-1/catalog',
  negotiation: '/allmende/dsp/2025-1/negotiation',
  transfer: '/allmende/dsp/2025-1/transfer',
} as const satisfies Record<DspArea, string>
