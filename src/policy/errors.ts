import { AllmendeError } from '../protocol/errors.js'

/** A policy, request or state of the world could not be read: bad syntax or not ODRL as required. */
export class PolicyParseError extends AllmendeError {
  static override name = 'PolicyParseError'
  constructor(message: string, options?: { cause?: unknown }) {
    super('ALLMENDE_POLICY_PARSE', message, options)
  }
}

/** `odrl:inheritFrom` names a parent the caller did not supply, or the chain is circular (IM §2.9). */
export class PolicyInheritanceError extends AllmendeError {
  static override name = 'PolicyInheritanceError'
  constructor(message: string) {
    super('ALLMENDE_POLICY_INHERITANCE', message)
  }
}

/** A synchronous entry point got JSON-LD that needs the full (asynchronous) JSON-LD processor. */
export class PolicyNeedsAsyncParseError extends AllmendeError {
  static override name = 'PolicyNeedsAsyncParseError'
  constructor(message: string) {
    super('ALLMENDE_POLICY_NEEDS_ASYNC_PARSE', message)
  }
}

/**
 * A policy has validator errors, so it must not be explained, published or used. `issues` are the
 * errors with code and params; the message lists them in the language asked for.
 */
export class InvalidPolicyError extends AllmendeError {
  static override name = 'InvalidPolicyError'
  constructor(
    message: string,
    readonly issues: readonly { readonly path: string; readonly code: string }[],
  ) {
    super('ALLMENDE_INVALID_POLICY', message)
  }
}
