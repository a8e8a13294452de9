/**
 * Orders two strings by their UTF-16 code units, as `<` does. ISO date-times, DIDs and peer ids sort right
 * so; `localeCompare` sorts them alike, but through ICU's collation, which loads its tables on first use
 * (2.2 MiB of read-only pages in a bare `node`).
 */
export function ordinalCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
