// Builds IR graphs node by node. Every `emit` runs the primitive's shape rule, so a graph built
// here is well-typed by construction; a ShapeRuleError propagates to the caller, which knows the
// source span to blame.

import type { Span } from "../source.js";
import type { Attrs, Graph, GraphInput, GraphOutput, Node, NoiseSpec, Role, ValueId } from "./graph.js";
import { getPrimitive } from "./primitives/registry.js";
import type { TensorType } from "./types.js";

/**
 * A computation whose reverse-mode derivative is given rather than derived: the nodes
 * [firstNode, endNode) compute `outputs` from `inputs`, and reverse mode emits `backward` instead
 * of differentiating those nodes (a `@custom_vjp` function of the language). `backward` receives
 * one cotangent per output (null for a zero) and returns one per input (null for a zero); it may
 * emit any nodes, and its owner may record side effects such as state updates.
 */
export interface CustomVjp {
  readonly name: string;
  readonly span?: Span;
  readonly firstNode: number;
  readonly endNode: number;
  readonly inputs: readonly ValueId[];
  readonly outputs: readonly ValueId[];
  backward(outputCotangents: readonly (ValueId | null)[]): readonly (ValueId | null)[];
}

export class GraphBuilder {
  private readonly values: TensorType[] = [];
  private readonly nodes: Node[] = [];
  private readonly inputs: GraphInput[] = [];
  private readonly outputs: GraphOutput[] = [];
  private readonly inputNames = new Set<string>();
  private readonly customVjps: CustomVjp[] = [];

  constructor(readonly name: string) {}

  typeOf(v: ValueId): TensorType {
    const t = this.values[v];
    if (!t) throw new Error(`IR: unknown value %${v}`);
    return t;
  }

  isInput(v: ValueId): boolean {
    return this.inputs.some((i) => i.value === v);
  }

  /** The name of the graph input that is `v`, if `v` is one. */
  inputNamed(v: ValueId): string | undefined {
    return this.inputs.find((i) => i.value === v)?.name;
  }

  hasInput(name: string): boolean {
    return this.inputNames.has(name);
  }

  input(name: string, type: TensorType, role: Role, extra: { initial?: Float32Array | Int32Array; noise?: NoiseSpec; default?: number } = {}): ValueId {
    if (this.inputNames.has(name)) throw new Error(`IR: duplicate graph input ${name}`);
    this.inputNames.add(name);
    const v = this.newValue(type);
    this.inputs.push({ name, value: v, role, ...extra });
    return v;
  }

  /** Adds one node; returns its output values. Throws ShapeRuleError if the shape rule rejects it. */
  emit(op: string, inputs: readonly ValueId[], attrs: Attrs = {}, span?: Span): ValueId[] {
    const prim = getPrimitive(op);
    const inTypes = inputs.map((v) => this.typeOf(v));
    const outTypes = prim.infer(inTypes, attrs);
    const outputs = outTypes.map((t) => this.newValue(t));
    this.nodes.push({ id: this.nodes.length, op, inputs: [...inputs], outputs, attrs, span });
    return outputs;
  }

  /** Shorthand for single-output ops. */
  emit1(op: string, inputs: readonly ValueId[], attrs: Attrs = {}, span?: Span): ValueId {
    return this.emit(op, inputs, attrs, span)[0]!;
  }

  output(name: string, value: ValueId, role: Role = "output", updates?: string): void {
    this.outputs.push({ name, value, role, ...(updates ? { updates } : {}) });
  }

  /** Number of nodes emitted so far; with `nodesFrom` it delimits the nodes of one computation. */
  get nodeCount(): number {
    return this.nodes.length;
  }

  /** The nodes emitted since `start` (a previous `nodeCount`), in order. */
  nodesFrom(start: number): readonly Node[] {
    return this.nodes.slice(start);
  }

  /** Declares that reverse mode must use `region.backward` for the nodes of `region`. */
  addCustomVjp(region: CustomVjp): void {
    if (region.firstNode < 0 || region.endNode > this.nodes.length || region.firstNode > region.endNode) throw new Error(`IR: custom VJP ${region.name} covers nodes that do not exist`);
    this.customVjps.push(region);
  }

  /** The custom-VJP regions declared so far, in the order they were declared. */
  get customVjpRegions(): readonly CustomVjp[] {
    return this.customVjps;
  }

  finish(): Graph {
    return { name: this.name, values: [...this.values], nodes: [...this.nodes], inputs: [...this.inputs], outputs: [...this.outputs] };
  }

  private newValue(type: TensorType): ValueId {
    this.values.push(type);
    return this.values.length - 1;
  }
}
