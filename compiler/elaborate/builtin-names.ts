// Names the language provides without a declaration: builtin functions, the toy data namespace
// and compile-time constants. The resolver uses this set; the elaborator gives them meaning.

import { BUILTINS } from "./builtins.js";

/** Compile-time constants supplied by the compiler (not by std/prelude.flow). */
export const BUILTIN_CONSTANTS = ["training"] as const;

export const BUILTIN_NAMES: ReadonlySet<string> = new Set([...[...BUILTINS.keys()].filter((k) => !k.includes(".")), ...BUILTIN_CONSTANTS]);
