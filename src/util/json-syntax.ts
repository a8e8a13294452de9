/**
 * Where JSON text breaks, as line and column. `JSON.parse` names a character offset at best (and
 * on Node 20 often only quotes the text); a person fixing a file in an editor needs the line.
 */

/** The first syntax error of a JSON text: 1-based line and column, and what is wrong there. */
export interface JsonSyntaxProblem {
  readonly line: number
  readonly column: number
  readonly reason: string
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

/** Finds the first syntax error of `text` (RFC 8259), or undefined when it is well-formed. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | undefined {
  let i = 0
  const fail = (reason: string): never => {
    throw new Stop(i, reason)
  }
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++
  }
  const string = () => {
    i++
    while (i < text.length) {
      const c = text[i] as string
      if (c === '"') {
        i++
        return
      }
      if (c === '\\') {
        const e = text[i + 1]
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6
        else if (e !== undefined && ESCAPES.has(e)) i += 2
        else fail('invalid escape sequence in a string')
        continue
      }
      if (c < ' ') fail('line break or control character inside a string (write \\n)')
      i++
    }
    fail('string not closed (missing ")')
  }
  const value = () => {
    space()
    const c = text[i]
    if (c === undefined) fail('unexpected end of the text: a value is missing')
    else if (c === '{') object()
    else if (c === '[') array()
    else if (c === '"') string()
    else literal(c)
  }
  const literal = (c: string) => {
    NUMBER.lastIndex = i
    if ((c === '-' || (c >= '0' && c <= '9')) && NUMBER.test(text)) {
      i = NUMBER.lastIndex
      return
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length
        return
      }
    }
    fail(`unexpected ${JSON.stringify(c)}${c === "'" ? ' (JSON strings take double quotes)' : ''}`)
  }
  const object = () => {
    i++
    space()
    if (text[i] === '}') {
      i++
      return
    }
    for (;;) {
      space()
      if (text[i] !== '"')
        fail(text[i] === '}' ? 'comma before } (remove it)' : 'expected a property name in double quotes')
      string()
      space()
      if (text[i] !== ':') fail('expected : after the property name')
      i++
      value()
      space()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === '}') {
        i++
        return
      }
      fail(text[i] === undefined ? 'object not closed (missing })' : 'expected , or } (a comma missing?)')
    }
  }
  const array = () => {
    i++
    space()
    if (text[i] === ']') {
      i++
      return
    }
    for (;;) {
      space()
      if (text[i] === ']') fail('comma before ] (remove it)')
      value()
      space()
      if (text[i] === ',') {
        i++
        continue
      }
      if (text[i] === ']') {
        i++
        return
      }
      fail(text[i] === undefined ? 'array not closed (missing ])' : 'expected , or ] (a comma missing?)')
    }
  }
  try {
    value()
    space()
    if (i < text.length) fail('unexpected text after the end of the JSON value')
    return undefined
  } catch (error) {
    if (!(error instanceof Stop)) throw error
    const before = text.slice(0, error.offset)
    const line = before.split('\n').length
    const column = error.offset - (before.lastIndexOf('\n') + 1) + 1
    return { line, column, reason: error.reason }
  }
}

/**
 * Parses JSON; on a syntax error throws what `makeError` builds from a sentence naming line and
 * column (`line 3, column 8: expected , or }`), so each caller keeps its own error class.
 */
export function parseJsonWithPosition<E extends Error>(
  text: string,
  makeError: (sentence: string) => E,
): unknown {
  try {
    return JSON.parse(text)
  } catch {
    const problem = findJsonSyntaxProblem(text)
    throw makeError(
      problem === undefined
        ? 'not valid JSON'
        : `not valid JSON at line ${problem.line}, column ${problem.column}: ${problem.reason}`,
    )
  }
}
