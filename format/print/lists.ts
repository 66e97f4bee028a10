// The two shapes that most of the printer is made of: a bracketed, comma-separated list that fits
// on one line or breaks one element per line (with a trailing comma), and a sequence of
// declarations or statements, one per line, keeping at most one blank line where the source had one.

import { doc, util, type AstPath, type Doc } from "prettier";
import type { FlowComment, FlowNode } from "../nodes.js";
import type { Print } from "./context.js";
import { printDanglingInBrackets } from "../comments/print.js";

const { group, hardline, ifBreak, indent, join, line, softline } = doc.builders;

export interface ListOptions {
  /** Add `,` after the last element when the list is broken (everywhere the grammar allows it). */
  readonly trailingComma?: boolean;
  /** `{ a, b }` rather than `[a, b]`. */
  readonly spaced?: boolean;
  /** The group's id, for parts of the output that depend on whether this list broke. */
  readonly id?: symbol;
  /** Comments to print between the brackets when there are no elements. */
  readonly dangling?: readonly FlowComment[];
}

export function bracketList(open: string, close: string, elements: readonly Doc[], options: ListOptions = {}): Doc {
  if (elements.length === 0) return printDanglingInBrackets(open, options.dangling ?? [], close, options.spaced);
  const inner = options.spaced ? line : softline;
  return group(
    [open, indent([inner, join([",", line], [...elements])]), options.trailingComma === false ? "" : ifBreak(","), inner, close],
    { id: options.id },
  );
}

/** Prints `path.node[key]` (an array of nodes) one per line; used for items, module items and statements. */
export function printSequence(path: AstPath<FlowNode>, print: Print, key: string, text: string): Doc[] {
  const parts: Doc[] = [];
  const nodes = path.node[key] as FlowNode[];
  nodes.forEach((node, i) => {
    parts.push(print([key, i]));
    if (i < nodes.length - 1) parts.push(separator(node, text));
  });
  return parts;
}

/** A line break after `node`, doubled when the source has a blank line after it. */
export function separator(node: FlowNode, text: string): Doc {
  return util.isNextLineEmpty(text, node.span.end) ? [hardline, hardline] : hardline;
}
