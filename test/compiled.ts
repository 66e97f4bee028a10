// Compiling a spec in a test: the result, or a thrown error with the rendered diagnostics (so a
// test fails with the compiler's own message, code frame included).

import { compile, type CompileOptions, type CompileResult } from "../compiler/compile.js";
import { hasErrors, renderDiagnostics } from "../compiler/diagnostics/index.js";

export function compileOk(options: CompileOptions): CompileResult {
  const result = compile(options);
  if (hasErrors(result.diagnostics)) throw new Error(renderDiagnostics(result.diagnostics, (p) => result.sources.get(p)));
  return result;
}
