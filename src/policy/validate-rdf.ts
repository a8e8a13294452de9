/**
 * Turns the policy of an RDF graph (read from Turtle by `graph.ts`) back into a nested JSON-LD
 * node, so that the validator and the explainer read Turtle policies exactly as JSON-LD ones. Paths
 * then use ODRL's local names (`permission[0].constraint[1]`) in the order the triples were written.
 */
import type { Graph } from './graph.js'
import type { Term } from './model.js'
import { policyNodes } from './parse.js'
import { ODRL_NS, RDF_FIRST, RDF_REST, RDF_TYPE } from './vocabulary.js'

/** The first policy node of the graph as nested JSON-LD, or undefined when the graph has none. */
export function policyDocumentFromGraph(graph: Graph): Record<string, unknown> | undefined {
  const node = policyNodes(graph)[0]
  if (node === undefined) return undefined
  return nodeObject(graph, node, new Set())
}

function key(predicate: string): string {
  if (predicate === RDF_TYPE) return '@type'
  return predicate.startsWith(ODRL_NS) ? predicate.slice(ODRL_NS.length) : predicate
}

function nodeObject(graph: Graph, subject: string, seen: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = subject.startsWith('_:') ? {} : { '@id': subject }
  const inner = new Set(seen).add(subject)
  for (const [predicate, objects] of graph.properties(subject)) {
    const k = key(predicate)
    if (k === '@type') {
      out['@type'] = objects.map((o) =>
        o.value.startsWith(ODRL_NS) ? o.value.slice(ODRL_NS.length) : o.value,
      )
      continue
    }
    const values = objects.map((o) => term(graph, o, inner))
    out[k] = values.length === 1 ? values[0] : values
  }
  return out
}

function term(graph: Graph, t: Term, seen: ReadonlySet<string>): unknown {
  if (t.termType === 'Literal') {
    if (t.language !== undefined) return { '@value': t.value, '@language': t.language }
    return { '@value': t.value, ...(t.datatype !== undefined && { '@type': t.datatype }) }
  }
  if (graph.one(t.value, RDF_FIRST) !== undefined) {
    return { '@list': listItems(graph, t, seen) }
  }
  // nodes with properties are embedded (labels, refinements); cycles stop at a reference
  if (!seen.has(t.value) && graph.properties(t.value).size > 0) return nodeObject(graph, t.value, seen)
  return { '@id': t.value }
}

function listItems(graph: Graph, head: Term, seen: ReadonlySet<string>): unknown[] {
  const items: Term[] = []
  let node: Term | undefined = head
  const visited = new Set<string>()
  while (node !== undefined && node.termType !== 'Literal' && !visited.has(node.value)) {
    visited.add(node.value)
    const first = graph.one(node.value, RDF_FIRST)
    if (first === undefined) break
    items.push(first)
    node = graph.one(node.value, RDF_REST)
  }
  return items.map((i) => term(graph, i, seen))
}
