// Checks on the derivatives a caller seeds a transform with.

import type { GraphBuilder } from "../ir/builder.js";
import type { ValueId } from "../ir/graph.js";
import { typeToString, typesEqual } from "../ir/types.js";
import { DerivativeError } from "./errors.js";
import { carriesDerivative } from "./rules.js";

/**
 * A seed must be for an f32 value (E0507 otherwise: the user asked for the derivative of or with
 * respect to something discrete) and have exactly that value's type (a compiler bug otherwise).
 */
export function checkSeed(builder: GraphBuilder, v: ValueId, seed: ValueId, what: "tangent" | "cotangent"): void {
  const primal = builder.typeOf(v);
  if (!carriesDerivative(primal))
    throw new DerivativeError("E0507", `a value of type ${typeToString(primal)} has no derivative: only f32 values do`, undefined, "differentiate with respect to an f32 value; cast integers to f32 first if they are really continuous");
  const type = builder.typeOf(seed);
  if (!typesEqual(type, primal)) throw new Error(`autodiff: ${what} %${seed}: ${typeToString(type)} seeds %${v}: ${typeToString(primal)}`);
}
