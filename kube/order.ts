/**
 * String order as upstream sorts: Go compares strings byte by byte. `localeCompare` would not
 * match it (it ignores case and punctuation at first) and it loads ICU's collation code and data,
 * which then stay resident in every process that used it.
 *
 * @module
 */

/** Go's `strings.Compare` for ASCII strings (and UTF-16 code unit order beyond). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
