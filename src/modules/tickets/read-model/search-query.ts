/**
 * Turns what a person types into an FTS5 query that cannot be a syntax error: every word becomes a quoted
 * prefix phrase ("ord" finds "order"), and all words must match, in the title or the description. Operators
 * and punctuation are not special. `undefined` when nothing searchable is left (then nothing matches).
 */
export function ftsQuery(q: string): string | undefined {
  const words = q.normalize('NFKC').match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
  // A bound on terms keeps one request from building an expensive query.
  return words.length
    ? words
        .slice(0, 16)
        .map((w) => `"${w}"*`)
        .join(' ')
    : undefined;
}
