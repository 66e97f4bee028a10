// The tensor IR: an SSA graph of primitive ops (see primitives/registry.ts). Values are numbered;
// every value is produced by exactly one node or is a graph input. Nodes are kept in topological
// order (a node only reads values defined before it). Graphs are built by GraphBuilder, which runs
// each primitive's shape rule as the node is added, so an ill-shaped graph is never constructed.

import type { Span } from "../source.js";
import type { Dim } from "./dims.js";
import type { TensorType } from "./types.js";

export type ValueId = number;

/** Attribute values a primitive may take. Dims are symbolic sizes (e.g. a reshape target). */
export type AttrValue = number | boolean | string | readonly number[] | readonly Dim[] | Float64Array | Dim | null;
export type Attrs = Readonly<Record<string, AttrValue>>;

export interface Node {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly ValueId[];
  readonly outputs: readonly ValueId[];
  readonly attrs: Attrs;
  /** The source expression this node came from (for diagnostics and dumps). */
  readonly span?: Span;
}

/** What a graph input or output is for; the runtime reads roles from the manifest, never from names. */
export type Role =
  | "param" // learnable parameter
  | "state" // non-learnable layer state (running statistics, counters)
  | "input" // an argument of the entry function (batch data, conditioning, ...)
  | "noise" // a random draw fed by the runtime
  | "hyper" // a hyper-parameter fed at run time (learning rate, ...)
  | "output" // a result of the entry function
  | "metric"
  | "grad"
  | "optimizer_state"
  | "solver"; // the state an adaptive ODE solve's run-time loop feeds and reads (runtime/adaptive.ts)

/** How the runtime must draw a noise input: a named distribution with compile-time arguments. */
export interface NoiseSpec {
  readonly distribution: string;
  readonly args: Readonly<Record<string, number>>;
}

export interface GraphInput {
  readonly name: string;
  readonly value: ValueId;
  readonly role: Role;
  /** For params/state: the initial value (row-major, concrete shape). */
  readonly initial?: Float32Array | Int32Array;
  readonly noise?: NoiseSpec;
  /** For run-time hyper-parameters: the value used when the runtime is given none. */
  readonly default?: number;
}

export interface GraphOutput {
  readonly name: string;
  readonly value: ValueId;
  readonly role: Role;
  /** For a new value of state (params, optimizer and layer state): the input it replaces next step. */
  readonly updates?: string;
}

export interface Graph {
  readonly name: string;
  readonly values: readonly TensorType[]; // indexed by ValueId
  readonly nodes: readonly Node[];
  readonly inputs: readonly GraphInput[];
  readonly outputs: readonly GraphOutput[];
}
