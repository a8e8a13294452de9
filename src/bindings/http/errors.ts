import { AllmendeError, InvalidInputError } from '../../protocol/index.js'

/** A DSP HTTP peer lists no DSP 2025-1 HTTPS binding at `/.well-known/dspace-version`. */
export class DspVersionUnsupportedError extends AllmendeError {
  static override name = 'DspVersionUnsupportedError'
  constructor(url: string, reason: string) {
    super('ALLMENDE_DSP_VERSION_UNSUPPORTED', `${url} offers no DSP 2025-1 over HTTPS: ${reason}`)
  }
}

/**
 * A DSP HTTP address (`callbackAddress`, `--provider-url`) is not an absolute `http(s)://` URL.
 * An invalid input (code `ALLMENDE_INVALID_INPUT`): a peer sending one gets 400.
 */
export class InvalidDspAddressError extends InvalidInputError {
  static override name = 'InvalidDspAddressError'
  constructor(address: string) {
    super(
      `"${address}" is not a DSP HTTP address; give an absolute https:// URL such as https://connector.example.de/dsp/2025-1`,
    )
  }
}

/** The DSP HTTP listener cannot bind its port (in use, or not permitted). */
export class DspPortUnavailableError extends AllmendeError {
  static override name = 'DspPortUnavailableError'
  constructor(host: string, port: number, reason: string, options?: { cause?: unknown }) {
    super(
      'ALLMENDE_DSP_PORT_UNAVAILABLE',
      `cannot listen for DSP HTTP on ${host}:${port}: ${reason}; choose another --dsp-port`,
      options,
    )
  }
}
