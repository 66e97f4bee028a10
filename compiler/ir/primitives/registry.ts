// The registry of IR primitives: the one place that lists every op the IR knows. Builders,
// the interpreter, the verifier, the ONNX lowering, the docs table and the tests all look ops up here.

import type { PrimitiveDef } from "../primitive.js";
import { BINARY_PRIMITIVES } from "./binary.js";
import { CONSTANT_PRIMITIVES } from "./constant.js";
import { CONVERT_PRIMITIVES } from "./convert.js";
import { INDEXING_PRIMITIVES } from "./indexing.js";
import { LINALG_PRIMITIVES } from "./linalg.js";
import { REDUCE_PRIMITIVES } from "./reduce.js";
import { SHAPE_PRIMITIVES } from "./shape.js";
import { UNARY_PRIMITIVES } from "./unary.js";

const ALL: readonly PrimitiveDef[] = [
  ...UNARY_PRIMITIVES,
  ...BINARY_PRIMITIVES,
  ...CONVERT_PRIMITIVES,
  ...LINALG_PRIMITIVES,
  ...REDUCE_PRIMITIVES,
  ...SHAPE_PRIMITIVES,
  ...INDEXING_PRIMITIVES,
  ...CONSTANT_PRIMITIVES,
];

const BY_NAME = new Map<string, PrimitiveDef>();
for (const p of ALL) {
  if (BY_NAME.has(p.name)) throw new Error(`primitive ${p.name} is defined twice`);
  BY_NAME.set(p.name, p);
}

/** The definition of primitive `name`; throws for an unknown name (a compiler bug, not a user error). */
export function getPrimitive(name: string): PrimitiveDef {
  const p = BY_NAME.get(name);
  if (!p) throw new Error(`IR: unknown primitive '${name}'`);
  return p;
}

export function hasPrimitive(name: string): boolean {
  return BY_NAME.has(name);
}

/** Every primitive, in registry order (grouped by kind). */
export function allPrimitives(): PrimitiveDef[] {
  return [...ALL];
}
