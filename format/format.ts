// Formatting as a function, for `flowc fmt` and the tests: prettier's `format` with the plugin.
// A file that does not parse gives back the parser's diagnostic instead of throwing.

import * as prettier from "prettier";
import type { Diagnostic } from "../compiler/diagnostics/index.js";
import { FlowSyntaxError } from "./parse.js";
import plugin from "./plugin.js";

export type FormatResult = { readonly formatted: string } | { readonly diagnostic: Diagnostic };

export interface FormatOptions {
  /** The file's path: named in diagnostics, and used by prettier to find configuration overrides. */
  readonly filepath?: string;
  readonly printWidth?: number;
  readonly tabWidth?: number;
  readonly useTabs?: boolean;
  readonly endOfLine?: "lf" | "crlf" | "cr" | "auto";
}

export async function formatFlow(text: string, options: FormatOptions = {}): Promise<FormatResult> {
  try {
    const formatted = await prettier.format(text, { ...options, parser: "flowc", plugins: [plugin] });
    return { formatted };
  } catch (e) {
    if (e instanceof FlowSyntaxError) return { diagnostic: e.diagnostic };
    throw e;
  }
}
