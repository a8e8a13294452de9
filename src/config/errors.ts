import { AllmendeError } from '../protocol/errors.js'

/** A node directory or its config file is missing, unreadable or wrong. */
export class ConfigError extends AllmendeError {
  static override name = 'ConfigError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_CONFIG', message, { ...options, expose: false })
  }
}
