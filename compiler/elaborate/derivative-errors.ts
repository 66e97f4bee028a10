// Autodiff throws DerivativeError (compiler/ad stays free of diagnostics rendering); the
// elaboration stage, which knows the source span of the whole computation, turns it into a
// located diagnostic.

import { DerivativeError } from "../ad/index.js";
import { CompileError, diagnostic } from "../diagnostics/index.js";
import type { Span } from "../source.js";

/** Runs `transform`; a DerivativeError becomes a diagnostic at its node's span, else at `span`. */
export function withDerivativeErrors<T>(span: Span, transform: () => T): T {
  try {
    return transform();
  } catch (e) {
    if (e instanceof DerivativeError) throw new CompileError(diagnostic(e.code, e.nodeSpan ?? span, e.message, { help: e.help }));
    throw e;
  }
}
