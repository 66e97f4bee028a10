// Types shared by the printer modules.

import type { AstPath, Doc, ParserOptions } from "prettier";
import type { FlowNode } from "../nodes.js";

/** Prettier's `print` callback: prints the child at a property path (relative to the current node). */
export type Print = (selector?: string | number | (string | number)[], args?: PrintArgs) => Doc;

/** Hints a parent passes to a child's printer. */
export interface PrintArgs {
  /** A block or `if` printed inside an `if`: follow the enclosing group instead of grouping itself. */
  readonly inIf?: boolean;
}

export interface PrintContext {
  readonly path: AstPath<FlowNode>;
  readonly options: ParserOptions<FlowNode>;
  readonly print: Print;
  readonly args?: PrintArgs;
}
