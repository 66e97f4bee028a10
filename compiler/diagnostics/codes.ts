// The registry of diagnostic codes. Codes are stable: once published, a code keeps its meaning.
// Ranges:  E01xx syntax · E02xx names and imports · E03xx types · E04xx shapes ·
//          E05xx calls and arity · E06xx modules, parameters and state · E07xx declarations
//          (model/train/data/expect/sampler) · E08xx command line and runtime · E09xx internal.
// Each code has a fixture under test/fixtures/bad/ (test/diagnostics.test.ts checks coverage).

export const DIAGNOSTIC_CODES = {
  // --- syntax (grammar/) ---
  E0100: "unexpected character",
  E0101: "unexpected token",
  E0102: "unterminated block comment",
  E0103: "unterminated string",
  E0104: "unclosed delimiter",
  E0105: "missing expression",
  E0106: "invalid number literal",
  E0107: "misplaced declaration",
  E0108: "assignment where a comparison or binding was meant",
  E0109: "reserved word used as a name",
  E0110: "block must end with an expression",
  E0111: "file is not valid UTF-8 text",
  E0112: "invalid `use` path",
  E0113: "nesting too deep",
  E0114: "unknown escape sequence in string",
  // --- names and imports (compiler/sema) ---
  E0200: "unknown name",
  E0201: "duplicate definition",
  E0202: "module file not found",
  E0203: "import cycle",
  E0204: "name not exported by module file",
  E0205: "unknown standard library module",
  E0206: "unknown member",
  E0207: "name used before its definition",
  E0208: "unknown attribute",
  // --- types ---
  E0300: "type mismatch",
  E0301: "not a tensor",
  E0302: "not a compile-time value",
  E0303: "unknown type",
  E0304: "dtype mismatch",
  E0305: "condition is not a compile-time bool",
  E0306: "value not in enumeration",
  E0307: "not callable",
  E0308: "division by zero at compile time",
  E0309: "assertion failed",
  E0310: "assertion condition is not a compile-time bool",
  // --- shapes ---
  E0400: "shapes do not broadcast",
  E0401: "shape does not match declared type",
  E0402: "matmul inner dimensions differ",
  E0403: "axis out of range",
  E0404: "index or slice out of range",
  E0405: "reshape changes the number of elements",
  E0406: "rank mismatch",
  E0407: "dimension variable bound to two sizes",
  E0408: "invalid dimension",
  // --- calls and arity ---
  E0500: "wrong number of arguments",
  E0501: "unknown named argument",
  E0502: "argument given twice",
  E0503: "missing argument",
  E0504: "positional argument after named argument",
  E0505: "recursion is not allowed",
  E0506: "no derivative rule",
  E0507: "not differentiable",
  E0508: "invalid custom VJP",
  E0509: "custom VJP reads a differentiated value it does not take as an argument",
  E0510: "forward-mode derivative through a custom VJP",
  // --- modules, parameters, state ---
  E0600: "module has no forward function",
  E0601: "unknown module member",
  E0602: "parameter initializer has the wrong shape",
  E0603: "state assigned outside a module",
  E0604: "module used as a value",
  E0605: "missing hyper-parameter",
  // --- declarations ---
  E0700: "unknown model",
  E0701: "nothing to compile",
  E0702: "random draw outside a function body",
  E0703: "entry point parameter without a tensor type",
  E0704: "value cannot be an output",
  E0705: "invalid training configuration",
  E0706: "a loss must be a scalar",
  E0707: "not an optimizer",
  E0708: "invalid claim",
  E0709: "points mapped through a function that cannot map them",
  E0710: "invalid task stream",
  // --- command line, files and runtime ---
  E0800: "cannot read file",
  E0801: "invalid command-line value",
  E0802: "entry point not found",
  // --- internal ---
  E0900: "internal compiler error",
} as const;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
