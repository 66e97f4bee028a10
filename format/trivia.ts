// Small scanners over the original text for what the AST does not record: where the code of a node
// starts once its parentheses and comments are skipped, and whether a gap holds only whitespace.

/** The offset of the first character at or after `i` that is not whitespace or inside a comment. */
export function skipTrivia(text: string, i: number): number {
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (text.startsWith("//", i)) {
      const newline = text.indexOf("\n", i);
      i = newline === -1 ? text.length : newline;
    } else if (text.startsWith("/*", i)) {
      const close = text.indexOf("*/", i + 2);
      i = close === -1 ? text.length : close + 2;
    } else {
      return i;
    }
  }
}

/** Where the node's own text starts: after the `(` of any parentheses around it (its span includes them). */
export function codeStart(text: string, spanStart: number): number {
  let i = skipTrivia(text, spanStart);
  while (text[i] === "(") i = skipTrivia(text, i + 1);
  return i;
}

/** Whether `gap` holds nothing but whitespace, comments and opening parentheses. */
export function isBlankGap(gap: string): boolean {
  return /^[\s(]*$/.test(gap.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/[^\n]*/g, ""));
}
