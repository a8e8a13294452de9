import type { CompiledPolicy } from './evaluate.js'
import { compileParsedPolicy } from './evaluate.js'
import { type ParsePolicyOptions, type PolicyInput, parsePolicy } from './parse.js'

/**
 * Compiles policies once and keeps the result, keyed by their JSON text: offers and agreements are
 * evaluated on every negotiation and data request, and any JSON-LD (inline contexts, profiles) needs
 * the full, asynchronous JSON-LD processor. Bounded: the least recently used entry goes first.
 */
export class PolicyCache {
  private readonly entries = new Map<string, Promise<CompiledPolicy>>()

  constructor(private readonly capacity = 1000) {}

  /** The compiled policy; parse errors reject (and are not cached). */
  compile(policy: PolicyInput, options: ParsePolicyOptions = {}): Promise<CompiledPolicy> {
    const key = typeof policy === 'string' ? policy : JSON.stringify(policy)
    const cached = this.entries.get(key)
    if (cached !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, cached)
      return cached
    }
    const compiled = parsePolicy(policy, options).then(compileParsedPolicy)
    compiled.catch(() => this.entries.delete(key))
    this.entries.set(key, compiled)
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
    return compiled
  }
}
