// Test harness for the IR: seeded random inputs, one-node graphs built from a case description,
// ONNX Runtime execution (CPU, one thread), and the comparison against the reference interpreter.
//
// Tolerance: for f32 outputs, |ort - reference| <= 1e-5 * max(1, |reference|) elementwise (NaN
// must match NaN, infinities must match exactly); i32 and bool outputs must be equal.

import * as ort from "onnxruntime-node";
import { dimConst, dimEvaluate, dimSym, type Dim } from "../../compiler/ir/dims.js";
import { GraphBuilder } from "../../compiler/ir/builder.js";
import type { Attrs, Graph } from "../../compiler/ir/graph.js";
import { makeArray, toTyped, type NDArray } from "../../compiler/ir/ndarray.js";
import { tensorType, type DType } from "../../compiler/ir/types.js";

export const RELATIVE_TOLERANCE = 1e-5;

// --- random inputs ------------------------------------------------------------------------------

/** mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws one element value. */
export type Gen = (random: () => number) => number;

const uniform = (lo: number, hi: number): Gen => (r) => lo + (hi - lo) * r();
const integer = (lo: number, hi: number): Gen => (r) => lo + Math.floor((hi - lo + 1) * r());

export const gen = {
  normal: ((r) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())) as Gen,
  uniform,
  /** (0.1, 3): for log, sqrt, pow bases. */
  positive: uniform(0.1, 3),
  /** (-0.9, 0.9): for atanh. */
  unit: uniform(-0.9, 0.9),
  /** ±(0.5, 2): for divisors and reciprocal. */
  nonzero: ((r) => (r() < 0.5 ? -1 : 1) * (0.5 + 1.5 * r())) as Gen,
  /** Multiples of 0.5 in [-3, 3]: exact ties for round, comparisons and argmax. */
  halves: ((r) => integer(-6, 6)(r) / 2) as Gen,
  integer,
  /** Non-zero integers in [-4, 4]: integer divisors. */
  nonzeroInt: ((r) => (r() < 0.5 ? -1 : 1) * integer(1, 4)(r)) as Gen,
  bool: ((r) => (r() < 0.5 ? 0 : 1)) as Gen,
  /** Valid indices into an axis of size n, negative ones included when `negative`. */
  index: (n: number, negative = true): Gen => integer(negative ? -n : 0, n - 1),
};

// --- cases --------------------------------------------------------------------------------------

/** A shape entry is a size or a symbol name. */
export type ShapeSpec = readonly (number | string)[];

export interface InputSpec {
  readonly dtype: DType;
  readonly shape: ShapeSpec;
  /** Defaults: normal for f32, integers in [-5, 5] for i32, coin flips for bool. */
  readonly gen?: Gen;
}

export interface PrimitiveCase {
  readonly op: string;
  /** Distinguishes several cases of one primitive in test names. */
  readonly label?: string;
  readonly attrs?: Attrs;
  /** The node's tensor inputs. */
  readonly inputs: readonly InputSpec[];
  /** Extra graph inputs the node does not read; they carry symbolic sizes (e.g. for arange). */
  readonly context?: readonly InputSpec[];
  /** Sizes of the symbols in the shapes above. */
  readonly sizes?: Readonly<Record<string, number>>;
}

export function caseName(c: PrimitiveCase): string {
  return c.label ? `${c.op} (${c.label})` : c.op;
}

export function dimsOf(shape: ShapeSpec): Dim[] {
  return shape.map((d) => (typeof d === "number" ? dimConst(d) : dimSym(d)));
}

function concreteShape(shape: ShapeSpec, sizes: Readonly<Record<string, number>>): number[] {
  return shape.map((d) => {
    if (typeof d === "number") return d;
    const v = sizes[d];
    if (v === undefined) throw new Error(`test case: no size for symbol ${d}`);
    return v;
  });
}

/** The one-node graph of a case: inputs in0, in1, … (context inputs ctx0, …), outputs out0, out1, …. */
export function caseGraph(c: PrimitiveCase): Graph {
  const b = new GraphBuilder(`case_${c.op}`);
  const ins = c.inputs.map((s, i) => b.input(`in${i}`, tensorType(s.dtype, dimsOf(s.shape)), "input"));
  (c.context ?? []).forEach((s, i) => b.input(`ctx${i}`, tensorType(s.dtype, dimsOf(s.shape)), "input"));
  b.emit(c.op, ins, c.attrs ?? {}).forEach((v, i) => b.output(`out${i}`, v));
  return b.finish();
}

/** Seeded random feeds for every graph input of the case; f32 values are rounded to float32. */
export function caseFeeds(c: PrimitiveCase, seed: number): Record<string, NDArray> {
  const random = seededRandom(seed);
  const feeds: Record<string, NDArray> = {};
  const make = (s: InputSpec): NDArray => {
    const draw = s.gen ?? (s.dtype === "f32" ? gen.normal : s.dtype === "i32" ? gen.integer(-5, 5) : gen.bool);
    const a = makeArray(s.dtype, concreteShape(s.shape, c.sizes ?? {}));
    for (let i = 0; i < a.data.length; i++) a.data[i] = s.dtype === "f32" ? Math.fround(draw(random)) : draw(random);
    return a;
  };
  c.inputs.forEach((s, i) => (feeds[`in${i}`] = make(s)));
  (c.context ?? []).forEach((s, i) => (feeds[`ctx${i}`] = make(s)));
  return feeds;
}

/** The concrete shape a symbolic shape takes under the case's sizes. */
export function evaluateShape(shape: readonly Dim[], sizes: Readonly<Record<string, number>>): number[] {
  const env = new Map(Object.entries(sizes));
  return shape.map((d) => {
    const v = dimEvaluate(d, env);
    if (v === undefined) throw new Error("test: unbound symbol in shape");
    return v;
  });
}

// --- ONNX Runtime -------------------------------------------------------------------------------

const ORT_DTYPE: Readonly<Record<DType, "float32" | "int32" | "bool">> = { f32: "float32", i32: "int32", bool: "bool" };
const FROM_ORT: Readonly<Record<string, DType>> = { float32: "f32", int32: "i32", bool: "bool" };

export async function runOnnx(model: Uint8Array, feeds: Readonly<Record<string, NDArray>>): Promise<Record<string, NDArray>> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const a = feeds[name];
      if (!a) throw new Error(`test: no feed for ONNX input ${name}`);
      ortFeeds[name] = new ort.Tensor(ORT_DTYPE[a.dtype], toTyped(a), a.shape);
    }
    const results = await session.run(ortFeeds);
    const out: Record<string, NDArray> = {};
    for (const [name, t] of Object.entries(results)) {
      const dtype = FROM_ORT[t.type];
      if (!dtype) throw new Error(`test: ONNX output ${name} has unexpected type ${t.type}`);
      out[name] = makeArray(dtype, t.dims.map(Number), Array.from(t.data as ArrayLike<number | boolean>, Number));
    }
    return out;
  } finally {
    await session.release();
  }
}

// --- comparison ---------------------------------------------------------------------------------

/** The first disagreement between ONNX Runtime's result and the reference, or undefined. */
export function compareArrays(actual: NDArray, expected: NDArray): string | undefined {
  if (actual.dtype !== expected.dtype) return `dtype ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape.join(", ")}], expected [${expected.shape.join(", ")}]`;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const b = expected.data[i]!;
    const ok =
      expected.dtype !== "f32"
        ? a === b
        : Number.isNaN(b)
          ? Number.isNaN(a)
          : !Number.isFinite(b)
            ? a === b
            : Math.abs(a - b) <= RELATIVE_TOLERANCE * Math.max(1, Math.abs(b));
    if (!ok) return `element ${i}: got ${a}, expected ${b}`;
  }
  return undefined;
}
