/**
 * Lines only in `before` ("- ") or only in `after` ("+ "), counted as multisets: enough to name what drifted
 * between the committed and the generated schema without printing two 2000-line files.
 */
export function lineDiff(before: string, after: string): string[] {
  const only = (mine: string, theirs: string, sign: string) => {
    const left = new Map<string, number>();
    for (const line of theirs.split('\n')) left.set(line, (left.get(line) ?? 0) + 1);
    return mine.split('\n').flatMap((line) => {
      const n = left.get(line) ?? 0;
      left.set(line, n - 1);
      return n > 0 ? [] : [`${sign} ${line.trim()}`];
    });
  };
  return [...only(before, after, '-'), ...only(after, before, '+')];
}
