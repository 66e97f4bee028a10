// A module instantiated with concrete hyper-parameters: its parameters and state (with their
// full dotted names and initializers), its sub-modules, and its functions. Instances are built
// once at compile time; each graph that uses them materializes their parameters as graph inputs.

import type * as A from "../../grammar/ast.js";
import type { TensorType } from "../ir/types.js";
import type { LoadedFile } from "../sema/loader.js";
import type { Env } from "./env.js";
import type { Value } from "./values.js";

export type Initializer =
  | { readonly kind: "constant"; readonly value: number }
  | { readonly kind: "distribution"; readonly name: string; readonly args: Readonly<Record<string, number>> };

export interface ParamSlot {
  readonly role: "param" | "state";
  /** Dotted path from the model root, e.g. `v.net.hidden.0.w`. */
  readonly fullName: string;
  readonly type: TensorType;
  readonly init: Initializer;
  readonly decl: A.ParamDecl;
}

export class ModuleInstance {
  readonly params: ParamSlot[] = [];
  readonly children: ModuleInstance[] = [];
  readonly fns = new Map<string, A.FnDecl>();
  readonly losses: A.LossDecl[] = [];
  readonly samplers: A.SamplerDecl[] = [];

  constructor(
    readonly decl: A.ModuleDecl | A.ModelDecl,
    readonly file: LoadedFile,
    /** Dotted path of this instance ("" for the root model). */
    readonly path: string,
    /** Hyper-parameters, lets and members of this instance. */
    readonly env: Env,
    readonly hyper: ReadonlyMap<string, Value>,
  ) {}

  qualified(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  /** All parameter and state slots of this instance and its descendants, in declaration order. */
  allSlots(): ParamSlot[] {
    return [...this.params, ...this.children.flatMap((c) => c.allSlots())];
  }
}
