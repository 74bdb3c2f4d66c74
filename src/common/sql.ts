/** Escapes LIKE wildcards so that user text matches literally (`%` and `_` are plain characters). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
