/**
 * Folds text for search: case-insensitive in German (`Straße` = `STRASSE` = `strasse`), umlauts
 * equal to their two-letter spelling (`Mühlbach` = `Muehlbach`), other accents dropped, and
 * composed and decomposed Unicode forms alike.
 */
export function foldText(text: string): string {
  return text
    .normalize('NFC')
    .toLocaleLowerCase('de-DE')
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
}

/** The query's words, folded; empty for a blank query. */
export function queryTerms(query: string): string[] {
  return foldText(query)
    .split(/[\s,;]+/)
    .filter((t) => t.length > 0)
}

/** True when every term occurs in one of the texts (folded). */
export function matchesAllTerms(terms: readonly string[], texts: readonly string[]): boolean {
  if (terms.length === 0) return true
  const haystack = texts.map(foldText).join('\n')
  return terms.every((term) => haystack.includes(term))
}
