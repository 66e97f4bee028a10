// The state of one ONNX lowering: the emitted nodes, fresh value and node names, constants, and
// run-time computation of symbolic dimensions. Primitive lowerings (primitives/*.ts) only talk to
// ONNX through this class, so naming, deduplication and opset differences live in one place.

import { dimToString, dimValue, quotientOf, type Dim } from "../ir/dims.js";
import type { DType } from "../ir/types.js";
import { ONNX_DATA_TYPE, onnx, tensorProto, type IAttributeProto, type INodeProto, type ITensorProto, type OnnxElemType } from "./proto.js";

/** ONNX attribute values. Plain numbers are INT attributes (ONNX ints); floats must be wrapped. */
export type OnnxAttrValue = number | boolean | string | readonly number[] | { readonly float: number } | { readonly tensor: ITensorProto };

const AttributeType = onnx.AttributeProto.AttributeType;

/** Large enough to stand for "to the end" in Slice bounds, and exactly representable as a double. */
export const SLICE_TO_END = Number.MAX_SAFE_INTEGER;

export type ReduceOpType = "ReduceSum" | "ReduceMean" | "ReduceMax" | "ReduceMin";

export class LowerContext {
  readonly nodes: INodeProto[] = [];
  private readonly usedValueNames = new Set<string>();
  private readonly producedNames = new Set<string>();
  private nextValue = 0;
  private nextNode = 0;
  private docString: string | undefined;
  /** For each dimension symbol: a graph input and axis where it appears as a plain symbol. */
  private readonly symbolSources = new Map<string, { input: string; axis: number }>();
  private readonly cache = new Map<string, string>();

  constructor(readonly opset: number) {}

  /** Marks a name (graph input or output) as taken so fresh names never collide with it. */
  reserveName(name: string): void {
    this.usedValueNames.add(name);
  }

  freshName(hint = "t"): string {
    let name: string;
    do name = `${hint}${this.nextValue++}`;
    while (this.usedValueNames.has(name));
    this.usedValueNames.add(name);
    return name;
  }

  /** The doc_string (source location) attached to nodes emitted from now on. */
  setSource(doc: string | undefined): void {
    this.docString = doc;
  }

  /** Emits one node with fresh output names; returns them. */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttrValue>> = {}, nOutputs = 1): string[] {
    const outputs = Array.from({ length: nOutputs }, () => this.freshName());
    const proto: INodeProto = {
      name: `${opType}_${this.nextNode++}`,
      opType,
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attrs).map(([name, value]) => attributeProto(name, value)),
    };
    if (this.docString) proto.docString = this.docString;
    this.nodes.push(proto);
    for (const o of outputs) this.producedNames.add(o);
    return outputs;
  }

  /** Shorthand for single-output nodes. */
  node1(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, OnnxAttrValue>> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0]!;
  }

  /** Whether `name` is the output of a node emitted by this context (not a graph input or initializer). */
  isNodeOutput(name: string): boolean {
    return this.producedNames.has(name);
  }

  /** Renames a node output and all its uses (used to give graph outputs their public names). */
  renameValue(from: string, to: string): void {
    for (const n of this.nodes) {
      n.input = n.input!.map((x) => (x === from ? to : x));
      n.output = n.output!.map((x) => (x === from ? to : x));
    }
    for (const [k, v] of this.cache) if (v === from) this.cache.set(k, to);
    this.producedNames.delete(from);
    this.producedNames.add(to);
    this.usedValueNames.add(to);
  }

  // --- constants --------------------------------------------------------------------------------

  /** A Constant node holding `values` (deduplicated when small). */
  constant(values: ArrayLike<number>, dtype: OnnxElemType, shape: readonly number[]): string {
    const key = values.length <= 64 ? `const:${dtype}:${shape.join("x")}:${Array.from(values).join(",")}` : undefined;
    return this.cached(key, () => this.node1("Constant", [], { value: { tensor: tensorProto("", dtype, shape, values) } }));
  }

  /** A 1-D int64 constant (shape tensors, axes, slice bounds). */
  int64s(values: readonly number[]): string {
    return this.constant(values, "i64", [values.length]);
  }

  int64Scalar(value: number): string {
    return this.constant([value], "i64", []);
  }

  // --- typed helpers ----------------------------------------------------------------------------

  cast(x: string, to: DType | OnnxElemType): string {
    return this.node1("Cast", [x], { to: ONNX_DATA_TYPE[to] });
  }

  /** A reduction over `axes` (non-empty). ReduceSum takes axes as an input since opset 13, the others only from opset 18. */
  reduce(opType: ReduceOpType, x: string, axes: readonly number[], keepdims: boolean): string {
    if (opType === "ReduceSum" || this.opset >= 18) return this.node1(opType, [x, this.int64s(axes)], { keepdims });
    return this.node1(opType, [x], { axes, keepdims });
  }

  /** A tensor of shape `dims` with every element `value`: one Expand of a scalar constant, shared. */
  filled(value: number, dtype: OnnxElemType, dims: readonly Dim[]): string {
    const key = `filled:${dtype}:${value}:${dims.map(dimToString).join(",")}`;
    return this.cached(key, () => this.node1("Expand", [this.constant([value], dtype, []), this.shapeTensor(dims)]));
  }

  /** Removes a leading axis of size 1 ([1] → scalar). */
  squeezeFirst(x: string): string {
    return this.node1("Squeeze", [x, this.int64s([0])]);
  }

  // --- symbolic dimensions at run time ----------------------------------------------------------

  /** Records where the runtime size of `symbol` can be read; the first registration wins. */
  registerSymbol(symbol: string, input: string, axis: number): void {
    if (!this.symbolSources.has(symbol)) this.symbolSources.set(symbol, { input, axis });
  }

  /** A scalar int64 tensor holding the run-time value of `d`. */
  dimValue(d: Dim): string {
    const v = dimValue(d);
    if (v !== undefined) return this.int64Scalar(v);
    return this.cached(`dim:${dimToString(d)}`, () => this.squeezeFirst(this.dimVector(d)));
  }

  /** A 1-D int64 tensor holding the run-time values of `dims` (a Reshape/Expand shape). */
  shapeTensor(dims: readonly Dim[]): string {
    const values = dims.map(dimValue);
    if (values.every((v) => v !== undefined)) return this.int64s(values as number[]);
    if (dims.length === 1) return this.dimVector(dims[0]!);
    return this.cached(`shape:${dims.map(dimToString).join(",")}`, () =>
      this.node1("Concat", dims.map((d) => this.dimVector(d)), { axis: 0 }),
    );
  }

  /** The value of `d` as a [1]-shaped int64 tensor: a sum of coefficient × product-of-symbols terms. */
  private dimVector(d: Dim): string {
    const v = dimValue(d);
    if (v !== undefined) return this.int64s([v]);
    return this.cached(`dimvec:${dimToString(d)}`, () => {
      let sum: string | undefined;
      for (const [monomial, coefficient] of d) {
        let term: string;
        if (monomial === "") term = this.int64s([coefficient]);
        else {
          const factors = monomial.split("*").map((s) => this.symbolVector(s));
          term = factors.reduce((acc, f) => this.node1("Mul", [acc, f]));
          if (coefficient !== 1) term = this.node1("Mul", [term, this.int64s([coefficient])]);
        }
        sum = sum === undefined ? term : this.node1("Add", [sum, term]);
      }
      return sum!;
    });
  }

  private symbolVector(symbol: string): string {
    // A quotient size `T/4` (compiler/ir/dims.ts): T's run-time size divided by 4.
    const quotient = quotientOf(symbol);
    if (quotient) return this.cached(`sym:${symbol}`, () => this.node1("Div", [this.symbolVector(quotient.base), this.int64s([quotient.divisor])]));
    const source = this.symbolSources.get(symbol);
    if (!source)
      throw new Error(`ONNX lowering: dimension '${symbol}' is needed at run time but is not an axis of any graph input`);
    return this.cached(`sym:${symbol}`, () => this.node1("Shape", [source.input], { start: source.axis, end: source.axis + 1 }));
  }

  private cached(key: string | undefined, make: () => string): string {
    if (key === undefined) return make();
    let name = this.cache.get(key);
    if (name === undefined) {
      name = make();
      this.cache.set(key, name);
    }
    return name;
  }
}

function attributeProto(name: string, value: OnnxAttrValue): IAttributeProto {
  if (typeof value === "boolean") return { name, type: AttributeType.INT, i: value ? 1 : 0 };
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`ONNX attribute ${name}: ${value} is not an integer (wrap floats as {float})`);
    return { name, type: AttributeType.INT, i: value };
  }
  if (typeof value === "string") return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if ("float" in value) return { name, type: AttributeType.FLOAT, f: value.float };
  if ("tensor" in value) return { name, type: AttributeType.TENSOR, t: value.tensor };
  return { name, type: AttributeType.INTS, ints: [...value] };
}
