// The one diagnostic type of flowc. Every error a user can cause is a Diagnostic with a stable
// code (see codes.ts), a span, a message that says what is wrong, and notes that say what to do
// or point at related source (e.g. where a parameter was declared).

import type { Span } from "../source.js";
import { DIAGNOSTIC_CODES, type DiagnosticCode } from "./codes.js";

export type Severity = "error" | "warning" | "note";

export interface RelatedNote {
  readonly message: string;
  readonly span?: Span;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  readonly notes: readonly RelatedNote[];
  /** One sentence saying how to fix it, rendered as `help: ...`. */
  readonly help?: string;
}

export function diagnostic(
  code: DiagnosticCode,
  span: Span,
  message: string,
  extra: { help?: string; notes?: RelatedNote[]; severity?: Severity } = {},
): Diagnostic {
  if (!(code in DIAGNOSTIC_CODES)) throw new Error(`unregistered diagnostic code ${code}`);
  return { code, severity: extra.severity ?? "error", message, span, notes: extra.notes ?? [], help: extra.help };
}

/**
 * Thrown inside a compiler stage to abort the current unit of work with a located diagnostic.
 * Stages catch it at their boundary and turn it into an entry of their diagnostics list;
 * it never escapes `compile()`.
 */
export class CompileError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export function fail(code: DiagnosticCode, span: Span, message: string, extra: { help?: string; notes?: RelatedNote[] } = {}): never {
  throw new CompileError(diagnostic(code, span, message, extra));
}

/** Whether a span lies in the standard library (std/*.flow), which users call but do not edit. */
export function inStandardLibrary(span: Span): boolean {
  return span.file.startsWith("std/");
}

/**
 * Runs `body`, the elaboration of a use (at `site`) of the standard library's `what`. An error it
 * raises inside std/ gets a note pointing at that use, so the user sees their own line as well as
 * the std line where the check failed (e.g. `adamp(channel_axis: 2)` on a 2-D weight). Only the
 * outermost such use is noted: an error already noted keeps its note.
 */
export function atStandardLibraryUse<T>(site: Span, what: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    if (!(e instanceof CompileError) || inStandardLibrary(site) || !inStandardLibrary(e.diagnostic.span)) throw e;
    if (e.diagnostic.notes.some((n) => n.span !== undefined && !inStandardLibrary(n.span))) throw e;
    const note: RelatedNote = { message: `in this use of \`${what}\` (the error is inside the standard library)`, span: site };
    throw new CompileError({ ...e.diagnostic, notes: [...e.diagnostic.notes, note] });
  }
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}
