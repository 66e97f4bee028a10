// Renders diagnostics the way rustc and stanc3 do: a header with code and message, the location,
// a code frame with a caret under the offending text, then notes and help.

import { LineIndex, type Span } from "../source.js";
import type { Diagnostic } from "./diagnostic.js";

export interface SourceLookup {
  /** Text of a file by the path recorded in spans, or undefined if unknown. */
  (path: string): string | undefined;
}

export interface RenderOptions {
  color?: boolean;
}

const RED = "\x1b[31;1m";
const YELLOW = "\x1b[33;1m";
const BLUE = "\x1b[34;1m";
const BOLD = "\x1b[1m";
const RESET = "\x1b[0m";

export function renderDiagnostic(d: Diagnostic, lookup: SourceLookup, options: RenderOptions = {}): string {
  const c = (code: string, s: string) => (options.color ? code + s + RESET : s);
  const sevColor = d.severity === "error" ? RED : d.severity === "warning" ? YELLOW : BLUE;
  const out: string[] = [];
  out.push(`${c(sevColor, `${d.severity}[${d.code}]`)}${c(BOLD, `: ${d.message}`)}`);
  out.push(...frame(d.span, lookup, c, "^", sevColor));
  for (const note of d.notes) {
    if (note.span && note.span.line > 0) {
      out.push(`${c(BLUE, "note")}: ${note.message}`);
      out.push(...frame(note.span, lookup, c, "-", BLUE));
    } else {
      out.push(`  = note: ${note.message}`);
    }
  }
  if (d.help) out.push(`  = help: ${d.help}`);
  return out.join("\n");
}

export function renderDiagnostics(ds: readonly Diagnostic[], lookup: SourceLookup, options: RenderOptions = {}): string {
  return ds.map((d) => renderDiagnostic(d, lookup, options)).join("\n\n");
}

function frame(
  span: Span,
  lookup: SourceLookup,
  c: (code: string, s: string) => string,
  mark: string,
  markColor: string,
): string[] {
  if (span.line <= 0) return [];
  const text = lookup(span.file);
  const location = `  --> ${span.file}:${span.line}:${span.column}`;
  if (text === undefined) return [location];
  const index = new LineIndex(text);
  const lastLine = Math.min(span.endLine, span.line + 3, index.lineCount);
  const gutter = String(lastLine).length;
  const pad = " ".repeat(gutter);
  const out = [`${pad}${location.slice(2)}`, `${pad} ${c(BLUE, "|")}`];
  for (let line = span.line; line <= lastLine; line++) {
    const src = index.lineText(line).replace(/\t/g, " ");
    out.push(`${c(BLUE, String(line).padStart(gutter) + " |")} ${src}`);
    const from = line === span.line ? span.column : firstNonSpace(src);
    let to = line === span.endLine ? span.endColumn : src.length + 1;
    if (to <= from) to = from + 1;
    out.push(`${pad} ${c(BLUE, "|")} ${" ".repeat(from - 1)}${c(markColor, mark.repeat(to - from))}`);
  }
  return out;
}

function firstNonSpace(s: string): number {
  const m = /\S/.exec(s);
  return m ? m.index + 1 : 1;
}
