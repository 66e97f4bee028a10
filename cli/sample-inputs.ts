// `flowc sample --input NAME=VALUES`: values for a sampler's tensor parameters (the time grid of
// `sampler euler_on(grid: f32[T])`), as comma-separated numbers or a .npy file, checked against
// the parameter's declared dtype and shape. A symbolic size (`T`) binds from the value given; the
// sample count (`N` of the result `f32[N, d]`) is -n.

import { readFileSync } from "node:fs";
import type { DType } from "../compiler/ir/types.js";
import { decodeNpy, type NpyArray } from "../runtime/npy.js";
import type { HostTensor } from "../runtime/onnx.js";
import { UsageError } from "./compile-spec.js";

/** A value of --input: a .npy file's array, or a list of numbers (a vector, or a scalar). */
export interface GivenInput extends NpyArray {
  /** As written on the command line. */
  readonly text: string;
  /** A list of numbers, whose shape is [count] for a vector parameter and [] for a scalar one. */
  readonly list: boolean;
}

/** A tensor parameter as declared: sizes are numbers or the names of free sizes (`T`). */
export interface TensorParam {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly (number | string)[];
}

const usage = (name: string) => `--input ${name}=0,0.5,1 (comma-separated numbers) or --input ${name}=FILE.npy`;

/**
 * Parses the --input flags. `specTensors` are the spec's `let` names, so that naming one (a tensor
 * `flowc check` computes between stages) is answered with what to do instead.
 */
export function parseInputs(raw: readonly string[] = [], specTensors: ReadonlySet<string> = new Set()): Map<string, GivenInput> {
  const out = new Map<string, GivenInput>();
  for (const flag of raw) {
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)=(.+)$/s.exec(flag);
    if (!m) throw new UsageError(`--input expects NAME=VALUES, e.g. ${usage("grid")}; got \`${flag}\``);
    const [, name, value] = m as unknown as [string, string, string];
    if (out.has(name)) throw new UsageError(`--input ${name} is given twice`);
    out.set(name, /\.npy$/i.test(value) ? readNpyInput(name, value) : parseList(name, value, specTensors));
  }
  return out;
}

function readNpyInput(name: string, path: string): GivenInput {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new UsageError(`--input ${name}: cannot read \`${path}\`; give the path of a .npy file (numpy.save) or comma-separated numbers`);
  }
  try {
    return { ...decodeNpy(bytes), text: path, list: false };
  } catch (e) {
    throw new UsageError(`--input ${name}: \`${path}\` ${(e as Error).message}`);
  }
}

function parseList(name: string, value: string, specTensors: ReadonlySet<string>): GivenInput {
  if (specTensors.has(value.trim()))
    throw new UsageError(
      `--input ${name}=${value}: \`${value.trim()}\` is a \`let\` of the spec, which \`flowc sample\` does not evaluate (a grid computed between stages needs trained models); give its values as --input ${name}=V0,V1,... (\`flowc check\` prints a computed grid's values: \`computed bellman_grid(...) = [...]\`)`,
    );
  const data = value.split(",").map((s) => {
    const x = s.trim() === "" ? NaN : Number(s);
    if (!Number.isFinite(x)) throw new UsageError(`--input ${name}=${value}: \`${s.trim()}\` is not a number; give ${usage(name)}`);
    return x;
  });
  return { kind: data.every(Number.isInteger) ? "int" : "float", shape: [data.length], data: Float64Array.from(data), text: value, list: true };
}

const typeText = (dtype: string, shape: readonly (number | string)[]) => `${dtype}[${shape.join(", ")}]`;

/**
 * The host tensors for a sampler's tensor parameters from the --input values, each checked
 * against its declaration. `sizes` holds the sizes known before (the sample count from -n), each
 * with where it came from, and receives those the values bind.
 */
export function bindInputs(sampler: string, params: readonly TensorParam[], given: ReadonlyMap<string, GivenInput>, sizes: Map<string, { value: number; origin: string }>): Record<string, HostTensor> {
  for (const name of given.keys())
    if (!params.some((p) => p.name === name))
      throw new UsageError(
        `the sampler \`${sampler}\` has no tensor parameter \`${name}\`; ${params.length ? `its tensor parameters are ${params.map((p) => `\`${p.name}: ${typeText(p.dtype, p.shape)}\``).join(", ")}` : "it takes no --input"}`,
      );
  const out: Record<string, HostTensor> = {};
  for (const p of params) {
    const declared = `\`${p.name}: ${typeText(p.dtype, p.shape)}\``;
    const value = given.get(p.name);
    if (!value) throw new UsageError(`the sampler \`${sampler}\` takes the tensor ${declared}: give it with ${usage(p.name)}`);
    if (value.list && p.shape.length > 1)
      throw new UsageError(`--input ${p.name}: the sampler \`${sampler}\` declares ${declared}, of rank ${p.shape.length}; a list of numbers gives a vector, so give a .npy file of that shape`);
    const shape = value.list && p.shape.length === 0 && value.data.length === 1 ? [] : value.shape;
    const dtypeFits = p.dtype === "f32" ? value.kind !== "bool" : p.dtype === "i32" ? value.kind === "int" : value.kind === "bool" || (value.kind === "int" && value.data.every((x) => x === 0 || x === 1));
    const found = `${value.list ? `${value.data.length} number${value.data.length === 1 ? "" : "s"}` : `an array of ${value.kind === "float" ? "floats" : value.kind === "int" ? "integers" : "booleans"} of shape [${shape.join(", ")}]`}`;
    if (!dtypeFits) throw new UsageError(`--input ${p.name} gives ${found}, but the sampler \`${sampler}\` declares ${declared}: give ${p.dtype === "i32" ? "integers" : p.dtype === "bool" ? "booleans (0 or 1)" : "numbers"}`);
    if (shape.length !== p.shape.length) throw new UsageError(`--input ${p.name} gives ${found}, but the sampler \`${sampler}\` declares ${declared}: give ${p.shape.length === 0 ? "one number" : `an array of shape [${p.shape.join(", ")}]`}`);
    const bound = new Map<string, number>();
    p.shape.forEach((d, axis) => {
      const actual = shape[axis]!;
      const known = typeof d === "number" ? { value: d, origin: "its declaration" } : sizes.get(d) ?? (bound.has(d) ? { value: bound.get(d)!, origin: `--input ${p.name}` } : undefined);
      if (known && known.value !== actual)
        throw new UsageError(
          `--input ${p.name} gives ${found}, but the sampler \`${sampler}\` declares ${declared}${typeof d === "string" ? `, and ${d} = ${known.value} from ${known.origin}` : ""}: give an array of shape [${p.shape.map((x) => (typeof x === "string" ? (sizes.get(x)?.value ?? bound.get(x) ?? x) : x)).join(", ")}]`,
        );
      if (typeof d === "string") bound.set(d, actual);
    });
    for (const [d, v] of bound) if (!sizes.has(d)) sizes.set(d, { value: v, origin: `--input ${p.name}` });
    const data = p.dtype === "f32" ? Float32Array.from(value.data) : p.dtype === "i32" ? Int32Array.from(value.data) : Uint8Array.from(value.data);
    if (p.dtype === "i32" && value.data.some((x, i) => data[i] !== x)) throw new UsageError(`--input ${p.name}: a value does not fit in an i32`);
    out[p.name] = { dtype: p.dtype, shape, data };
  }
  return out;
}
