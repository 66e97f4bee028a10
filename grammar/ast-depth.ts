// A bound on the depth of the AST. Later stages (and dump.ts) walk the tree recursively, so a
// pathological but syntactically valid file — `x + x + ... + x` with 100 000 terms builds a
// left-nested tree 100 000 levels deep — must be rejected here rather than overflow the stack there.
// The walk itself uses an explicit stack so it cannot overflow.

import type { Span } from "../compiler/source.js";

/** Generous: 200 nested calls are about 400 levels; real programs stay well below 100. */
export const MAX_AST_DEPTH = 1000;

/** The span of the first node found deeper than `limit`, or undefined if the tree is shallow enough. */
export function firstNodeDeeperThan(root: object, limit: number = MAX_AST_DEPTH): Span | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (Array.isArray(value)) {
      for (const v of value) stack.push({ value: v, depth });
      continue;
    }
    if (typeof value !== "object" || value === null || !("kind" in value)) continue;
    const node = value as { kind: string; span: Span } & Record<string, unknown>;
    if (depth > limit && node.span) return node.span;
    for (const [key, child] of Object.entries(node)) {
      if (key !== "span" && key !== "opSpan" && typeof child === "object") stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}
