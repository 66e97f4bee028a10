// Source files and spans. Every AST node and every diagnostic carries a Span so that
// errors can point at the exact text the user wrote.

export interface SourceFile {
  /** Path as the user named it (relative to the working directory) or `std/<name>.flow`. */
  readonly path: string;
  readonly text: string;
}

/** A half-open range [start, end) of character offsets into `file.text`, with 1-based line/column of start and end. */
export interface Span {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
}

/** Computes line/column (1-based) for offsets of one text; caches the line starts. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];
  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo]! + 1 };
  }
  lineText(line: number): string {
    const start = this.lineStarts[line - 1] ?? this.text.length;
    const next = this.lineStarts[line];
    const end = next === undefined ? this.text.length : next - 1;
    return this.text.slice(start, end).replace(/\r$/, "");
  }
  get lineCount(): number {
    return this.lineStarts.length;
  }
}

export function makeSpan(file: string, index: LineIndex, start: number, end: number): Span {
  const a = index.position(start);
  const b = index.position(Math.max(start, end));
  return { file, start, end: Math.max(start, end), line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

/** The smallest span covering both (same file assumed). */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.start <= b.start ? a : b;
  const last = a.end >= b.end ? a : b;
  return { ...first, end: last.end, endLine: last.endLine, endColumn: last.endColumn };
}

/** A span for things that have no source text (generated code); renders without a code frame. */
export const NO_SPAN: Span = { file: "<generated>", start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
