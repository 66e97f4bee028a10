// Initial values of parameters and state, from their declared initializers and a seed.

import { concreteShape } from "../ir/types.js";
import type { ParamSlot } from "../elaborate/module-instance.js";
import { RandomStream, sample } from "./rng.js";

export function initialValue(slot: ParamSlot, seed: number): Float32Array | Int32Array {
  const shape = concreteShape(slot.type.shape);
  if (!shape) throw new Error(`parameter ${slot.fullName} has a symbolic shape`); // rejected by the elaborator
  const count = shape.reduce((a, b) => a * b, 1);
  const init = slot.init;
  if (init.kind === "constant") {
    return slot.type.dtype === "f32" ? new Float32Array(count).fill(init.value) : new Int32Array(count).fill(init.value);
  }
  const values = sample(RandomStream.derive(seed, `init:${slot.fullName}`), init.name, init.args, count);
  return slot.type.dtype === "f32" ? values : Int32Array.from(values, Math.round);
}
