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

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === "error");
}
