// The values the elaborator computes with. Elaboration is abstract interpretation of the AST:
// compile-time values (numbers, bools, strings, lists, functions, module instances) are computed
// outright; tensors are IR values whose shapes are known symbolically.

import type * as A from "../../grammar/ast.js";
import type { Span } from "../source.js";
import type { Dim } from "../ir/dims.js";
import { dimToString } from "../ir/dims.js";
import type { ValueId } from "../ir/graph.js";
import { typeToString, type TensorType } from "../ir/types.js";
import type { LoadedFile } from "../sema/loader.js";
import type { Comparison, ComputedTensor, DataSpec, Measure, SampleSet } from "../artifacts/pipeline.js";
import type { Env } from "./env.js";
import type { ModuleInstance, ParamSlot } from "./module-instance.js";

export type Value =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "str"; readonly value: string }
  | { readonly kind: "none" }
  /** A size that is only known symbolically (e.g. the batch size B). Concrete sizes are ints. */
  | { readonly kind: "dim"; readonly dim: Dim }
  | { readonly kind: "tensor"; readonly id: ValueId; readonly type: TensorType }
  | { readonly kind: "tuple"; readonly items: readonly Value[] }
  | { readonly kind: "list"; readonly items: readonly Value[] }
  | { readonly kind: "closure"; readonly fn: A.FnDecl | A.LambdaExpr | A.LossDecl | A.SamplerDecl; readonly env: Env; readonly file: LoadedFile; readonly self?: ModuleInstance; readonly name: string }
  | { readonly kind: "builtin"; readonly name: string }
  | { readonly kind: "module-decl"; readonly decl: A.ModuleDecl | A.ModelDecl; readonly file: LoadedFile }
  | { readonly kind: "module"; readonly instance: ModuleInstance }
  | { readonly kind: "namespace"; readonly name: string; readonly lookup: (member: string) => Value | undefined; readonly members: () => string[] }
  /** A parameter or state slot of a module instance; reading it yields the graph's tensor for it. */
  | { readonly kind: "param"; readonly slot: ParamSlot }
  /**
   * A run-time hyper-parameter: a module hyper-parameter declared with a tensor type
   * (`lr: f32 = 1e-3`). Reading it in a graph makes it a graph input with role `hyper`, so its
   * value (a learning-rate schedule, a guidance scale) can change without recompiling.
   */
  | { readonly kind: "hyper"; readonly name: string; readonly type: TensorType; readonly default: number }
  /** A data source (`toy.moons(noise: 0.05)`, `independent(moons)`), consumed by `train` and claims. */
  | { readonly kind: "data"; readonly spec: DataSpec; readonly label: string }
  /** A `train` declaration used as a value: the trained model (`rf1` in `rf1.euler`). */
  | { readonly kind: "training"; readonly name: string; readonly decl: A.TrainDecl; readonly file: LoadedFile }
  /**
   * A sampler or function of a trained model, with its compile-time arguments (`rf1.euler(steps:
   * 1)`, `pre.variance_ratio`): run with the weights of the training.
   */
  | {
      readonly kind: "sampler-ref";
      readonly training: string;
      readonly model: ModuleInstance;
      readonly sampler: A.SamplerDecl | A.FnDecl;
      readonly args: Readonly<Record<string, Value>>;
      readonly label: string;
      /** Values bound to the sampler's tensor parameters (`rf1.euler_on(grid2)`), fed at run time. */
      readonly inputs?: Readonly<Record<string, Extract<Value, { kind: "computed" }>>>;
    }
  /**
   * A tensor the runtime computes between stages (`bellman_grid(...)`), or a compile-time list
   * bound to a sampler's tensor parameter: it exists only at run time, so it can feed a sampler's
   * tensor parameter or a data source, but not a compile-time computation.
   */
  | { readonly kind: "computed"; readonly tensor: ComputedTensor; readonly type: TensorType; readonly label: string }
  /**
   * A sampler's samples mapped through a trained model's function (`ae.decode(lfm.euler)`): a
   * sample set for the metrics of claims.
   */
  | { readonly kind: "samples"; readonly set: SampleSet; readonly label: string }
  /** A number measured by `flowc check` (a metric of sample sets, or arithmetic on such). */
  | { readonly kind: "measure"; readonly measure: Measure; readonly text: string }
  /** A comparison of measures: the statement of a claim. */
  | { readonly kind: "comparison"; readonly measured: Measure; readonly op: Comparison; readonly threshold: Measure }
  /** A distribution, e.g. `normal([B, d], std: 0.5)`: used with `~` (draws) and parameter initializers. */
  | { readonly kind: "distribution"; readonly name: string; readonly shape?: readonly Dim[]; readonly args: Readonly<Record<string, number>>; readonly span: Span };

export const NONE: Value = { kind: "none" };
export const int = (value: number): Value => ({ kind: "int", value });
export const float = (value: number): Value => ({ kind: "float", value });
export const bool = (value: boolean): Value => ({ kind: "bool", value });

/** How a value is described in messages: "a tensor f32[B, 3]", "the int 4", "a function". */
export function describe(v: Value): string {
  switch (v.kind) {
    case "int":
      return `the int ${v.value}`;
    case "float":
      return `the float ${v.value}`;
    case "bool":
      return `the bool ${v.value}`;
    case "str":
      return `the string "${v.value}"`;
    case "none":
      return "`None`";
    case "dim":
      return `the size ${dimToString(v.dim)}`;
    case "tensor":
      return `a tensor ${typeToString(v.type)}`;
    case "tuple":
      return `a tuple of ${v.items.length}`;
    case "list":
      return `a list of ${v.items.length}`;
    case "closure":
      return `the function \`${v.name}\``;
    case "builtin":
      return `the builtin \`${v.name}\``;
    case "module-decl":
      return `the module \`${v.decl.name.name}\` (not instantiated)`;
    case "module":
      return `an instance of module \`${v.instance.decl.name.name}\``;
    case "namespace":
      return `the namespace \`${v.name}\``;
    case "distribution":
      return `the distribution \`${v.name}\``;
    case "param":
      return `the ${v.slot.role} \`${v.slot.fullName}\``;
    case "hyper":
      return `the run-time hyper-parameter \`${v.name}\``;
    case "data":
      return `the data source \`${v.label}\``;
    case "training":
      return `the trained model \`${v.name}\``;
    case "sampler-ref":
      return `the ${v.sampler.kind === "SamplerDecl" ? "sampler" : "function"} \`${v.label}\``;
    case "samples":
      return `the samples \`${v.label}\``;
    case "computed":
      return `the run-time tensor \`${v.label}\` (${typeToString(v.type)})`;
    case "measure":
      return `the measurement \`${v.text}\``;
    case "comparison":
      return "a comparison of measurements";
  }
}

/** A value given on the command line (`--set name=value`) as a compile-time value. */
export function fromSetting(v: number | boolean | string): Value {
  if (typeof v === "boolean") return { kind: "bool", value: v };
  if (typeof v === "string") return { kind: "str", value: v };
  return Number.isInteger(v) ? { kind: "int", value: v } : { kind: "float", value: v };
}
