/**
 * @packageDocumentation
 * Structured logging (pino): JSON on stderr, pretty in a terminal.
 *
 * @example
 * ```ts
 * const log = createRootLogger().child({ name: 'allmende:api' })
 * log.info({ url }, 'management API listening')
 * ```
 */
export { createRootLogger, createSilentLogger, type Logger } from './logger.js'
export { UnauthenticatedRefusals } from './refusals.js'
