// The one entry point of the compiler. The CLI, the tests and the formatter call `compile()`;
// it returns artifacts and diagnostics and never prints or throws for bad input. Stages:
// load+parse → scopes and name resolution → elaboration into IR graphs → ONNX lowering.

import { createHash } from "node:crypto";
import type { Program } from "../grammar/ast.js";
import { CompileError, diagnostic, fail, hasErrors, type Diagnostic } from "./diagnostics/index.js";
import { NO_SPAN } from "./source.js";
import type { Graph } from "./ir/graph.js";
import { verifyGraph } from "./ir/verify.js";
import { lowerGraph } from "./onnx/lower.js";
import { optimizeGraph } from "./passes/index.js"; // IR optimization passes (compiler/passes/)
import { loadProgram, nodeFileSystem, type FileSystem, type LoadedFile } from "./sema/loader.js";
import { buildScopes } from "./sema/scope.js";
import { resolveNames } from "./sema/resolve.js";
import { Elaborator, type SamplerRequest } from "./elaborate/elaborator.js";
import { trainingDependencies, type Claim } from "./artifacts/pipeline.js";
import { elaborateClaims } from "./claims/claims.js";
import { typeToString } from "./ir/types.js";
import { initialValue } from "./artifacts/init.js";
import { manifestGraph, manifestShape, type Manifest } from "./artifacts/manifest.js";
import type { SamplerDecl, TensorTypeExpr } from "../grammar/ast.js";
import type { DType, TensorType } from "./ir/types.js";
import { dimConst } from "./ir/dims.js";
import { dimText, evalTensorType, matchTensorType, type DimBindings } from "./elaborate/signature.js";
import type { ModuleInstance } from "./elaborate/module-instance.js";
import { splitAdaptive } from "./artifacts/adaptive.js";
import type { AdaptiveSolve } from "./elaborate/adaptive.js";
import type { EvaluatedArg } from "./elaborate/builtins.js";
import { fromSetting } from "./elaborate/values.js";
import { FLOWC_VERSION } from "./version.js";
import { buildTraining, type TrainingArtifacts } from "./train/train-step.js";
import { trainingManifest } from "./artifacts/manifest.js";

/** A graph under another name (graph names become file names). */
function renamed(graph: Graph, name: string): Graph {
  return { ...graph, name };
}

export type Stage = "ast" | "typed" | "ir" | "opt" | "onnx";

export interface CompileOptions {
  /** Path of the spec to compile. */
  readonly entry: string;
  /** Text of the entry file (when it is not read from disk). */
  readonly text?: string;
  readonly fs?: FileSystem;
  /** Seed of parameter initialization. */
  readonly seed?: number;
  readonly paramsAs?: "initializers" | "inputs";
  /** Stop after this stage (default: "onnx", i.e. produce ONNX bytes). */
  readonly stage?: Stage;
  /** Only these models (default: every model of the entry file). */
  readonly models?: readonly string[];
  /** Hyper-parameter values overriding the defaults, by name, applied to the selected models. */
  readonly hyper?: Readonly<Record<string, number | boolean | string>>;
  /**
   * Types of values for the tensor parameters of model samplers, by sampler (`rf.euler_on`) and
   * parameter (`grid`): such a sampler is built (as the graph `rf.euler_on`) for these shapes, the
   * way a claim's `rf1.euler_on(grid2)` builds it for the shape of `grid2`. `flowc sample --input`.
   */
  readonly samplerInputs?: Readonly<Record<string, Readonly<Record<string, { readonly dtype: DType; readonly shape: readonly number[] }>>>>;
  /**
   * Compile-time arguments of model samplers, by sampler (`rf.euler`) and parameter (`steps`):
   * the sampler's graph is built with these instead of its defaults. `flowc sample --sampler
   * 'euler(steps: 4)'`.
   */
  readonly samplerArgs?: Readonly<Record<string, Readonly<Record<string, number | boolean | string>>>>;
}

/**
 * A model sampler with tensor parameters (`sampler euler_on(grid: f32[T])`) that was not built,
 * since its graph depends on the shapes of the values given to them (CompileOptions.samplerInputs).
 */
export interface DeferredSampler {
  readonly model: string;
  readonly fn: string;
  /** Its tensor parameters as declared: hyper-parameters substituted, free sizes (`T`) by name. */
  readonly inputs: readonly { readonly name: string; readonly dtype: DType; readonly shape: readonly (number | string)[] }[];
  /** The declared shape of its (first) result, if known: a free leading size is the sample count. */
  readonly result?: readonly (number | string)[];
}

export interface CompiledGraph {
  readonly model: string;
  readonly fn: string;
  readonly graph: Graph;
  readonly onnx?: Uint8Array;
  readonly kind?: "function" | "sampler" | "train_step" | "eval" | "solver";
  /** Training graphs take every parameter as an input; inference graphs follow `paramsAs`. */
  readonly paramsAs?: "initializers" | "inputs";
  /** For a sampler run with the weights of a training: that training. */
  readonly training?: string;
  /** For samplers: evaluations of the model's functions per sample. */
  readonly nfe?: number;
  /** For samplers ending in an adaptive ODE solve: its settings (its graphs follow this one). */
  readonly adaptive?: AdaptiveSolve;
}

export interface CompileResult {
  readonly diagnostics: Diagnostic[];
  /** Source text of every file read, by display path: for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
  readonly program?: Program;
  readonly graphs: CompiledGraph[];
  readonly manifest?: Manifest;
  /** One line per typed binding (stage "typed"). */
  readonly typedLog: string[];
  /** The `train` declarations of the spec, compiled. */
  readonly trainings: TrainingArtifacts[];
  /** The model samplers left unbuilt until values are given to their tensor parameters. */
  readonly deferredSamplers?: readonly DeferredSampler[];
}

export function compile(options: CompileOptions): CompileResult {
  const diagnostics: Diagnostic[] = [];
  const typedLog: string[] = [];
  const graphs: CompiledGraph[] = [];
  const trainings: TrainingArtifacts[] = [];
  const claims: Claim[] = [];
  const deferredSamplers: DeferredSampler[] = [];
  let sources: ReadonlyMap<string, string> = new Map();
  let program: Program | undefined;
  let manifest: Manifest | undefined;
  try {
    const fs = options.fs ?? nodeFileSystem;
    const text = options.text ?? fs.read(options.entry);
    if (text === undefined) {
      diagnostics.push(diagnostic("E0800", NO_SPAN, `cannot read \`${options.entry}\``, { help: "check the path; specs are .flow files" }));
      return { diagnostics, sources, graphs, typedLog, trainings };
    }
    const load = loadProgram(options.entry, fs, text);
    sources = load.sources;
    diagnostics.push(...load.diagnostics);
    program = load.entry?.program;
    if (!load.entry || hasErrors(diagnostics) || options.stage === "ast") return { diagnostics, sources, program, graphs, typedLog, trainings };

    const { scopes, diagnostics: scopeDiagnostics } = buildScopes(load);
    diagnostics.push(...scopeDiagnostics);
    const preludeScope = load.prelude ? scopes.get(load.prelude) : undefined;
    for (const file of load.files.values()) diagnostics.push(...resolveNames(file, scopes.get(file)!, preludeScope));
    if (hasErrors(diagnostics)) return { diagnostics, sources, program, graphs, typedLog, trainings };

    const seed = options.seed ?? 0;
    const initialValues = new Map<string, Float32Array | Int32Array>();
    const elaborator = new Elaborator(
      { scopes, prelude: load.prelude },
      {
        initialValue: (slot) => {
          // Keyed by everything that determines the value: two instances of a model (an inference
          // graph and a training step) may give one name different shapes or initializers.
          const key = `${slot.fullName}|${slot.type.dtype}[${slot.type.shape.map((d) => [...d].join()).join(";")}]|${JSON.stringify(slot.init)}`;
          let v = initialValues.get(key);
          if (!v) initialValues.set(key, (v = initialValue(slot, seed)));
          return v;
        },
        typedLog: options.stage === "typed" ? typedLog : undefined,
        hyper: options.hyper,
      },
    );
    graphs.push(...elaborateModels(elaborator, load.entry, options, diagnostics, deferredSamplers));
    for (const decl of load.entry.program.items) {
      if (decl.kind !== "TrainDecl") continue;
      try {
        const t = buildTraining(elaborator, decl, load.entry, load.optim!);
        trainings.push(t);
        graphs.push({ model: t.model.decl.name.name, fn: "train_step", graph: renamed(t.trainStep, `${t.name}.train_step`), paramsAs: "inputs", kind: "train_step" });
        graphs.push({ model: t.model.decl.name.name, fn: "eval", graph: renamed(t.eval, `${t.name}.eval`), paramsAs: "inputs", kind: "eval" });
      } catch (e) {
        if (e instanceof CompileError) diagnostics.push(e.diagnostic);
        else throw e;
      }
    }
    if (!hasErrors(diagnostics)) {
      try {
        checkTrainingCycles(trainings);
        checkInitShapes(trainings);
        claims.push(...elaborateClaims(elaborator, load.entry, trainings));
        graphs.push(...trainedSamplers(elaborator, trainings));
      } catch (e) {
        if (e instanceof CompileError) diagnostics.push(e.diagnostic);
        else throw e;
      }
    }
    if (!hasErrors(diagnostics)) graphs.splice(0, graphs.length, ...graphs.flatMap(withSolverGraphs));
    if (hasErrors(diagnostics) || options.stage === "typed" || options.stage === "ir") return { diagnostics, sources, program, graphs, typedLog, trainings, deferredSamplers };

    for (let i = 0; i < graphs.length; i++) {
      // IR optimization passes (compiler/passes/): after autodiff, right before verification and lowering.
      const g = { ...graphs[i]!, graph: optimizeGraph(graphs[i]!.graph) };
      const problems = verifyGraph(g.graph);
      if (problems.length) throw new Error(`IR verification failed for ${g.graph.name}: ${problems.join("; ")}`);
      graphs[i] = g;
    }
    if (options.stage === "opt") return { diagnostics, sources, program, graphs, typedLog, trainings, deferredSamplers };
    const paramsAs = options.paramsAs ?? "initializers";
    for (let i = 0; i < graphs.length; i++) graphs[i] = { ...graphs[i]!, onnx: lowerGraph(graphs[i]!.graph, { paramsAs: graphs[i]!.paramsAs ?? paramsAs }) };
    manifest = {
      flowc: FLOWC_VERSION,
      spec: options.entry,
      specHash: specHash(text, load.entry.path, sources, elaborator.dataFiles),
      seed,
      opset: 17,
      irVersion: 8,
      graphs: graphs.map((g) => manifestGraph(g.graph, g.model, g.fn, g.paramsAs ?? paramsAs, g.kind ?? "function", { training: g.training, nfe: g.nfe, adaptive: g.adaptive })),
      trainings: trainings.map((t) => trainingManifest(t)),
      claims,
    };
  } catch (e) {
    diagnostics.push(internalError(e));
  }
  return { diagnostics, sources, program, graphs, manifest, typedLog, trainings, deferredSamplers };
}

function adaptiveOf(el: Elaborator): { adaptive?: AdaptiveSolve } {
  return el.lastAdaptiveSolve ? { adaptive: el.lastAdaptiveSolve } : {};
}

/** A sampler with an adaptive solve becomes three graphs: itself (noise → x0), its step and its rhs. */
function withSolverGraphs(g: CompiledGraph): CompiledGraph[] {
  if (!g.adaptive) return [g];
  const { start, step, rhs } = splitAdaptive(g.graph, Object.values(g.adaptive.step), g.adaptive.rhs);
  const solver = { model: g.model, fn: g.fn, kind: "solver" as const, ...(g.paramsAs ? { paramsAs: g.paramsAs } : {}), ...(g.training ? { training: g.training } : {}) };
  return [{ ...g, graph: start }, { ...solver, graph: step }, { ...solver, graph: rhs }];
}

/**
 * The spec hash: the SHA-256 of the entry file's text, of the other .flow files it loads (std/
 * and its `use`s: a changed layer or optimizer changes what the spec trains) and, when its
 * `file(...)` sources read data files, of their contents. The other files enter by the hashes of
 * their texts, sorted, and data files by their contents' hashes in the order of their paths (the
 * paths as written are in the text), so moving a project keeps its hash. A changed file changes
 * the hash, so trainings cached under the old one are not reused and a checkpoint trained on the
 * old one is not resumed.
 */
function specHash(text: string, entryPath: string | undefined, sources: ReadonlyMap<string, string>, dataFiles: ReadonlyMap<string, string>): string {
  const sha = (t: string) => createHash("sha256").update(t).digest("hex");
  const hash = createHash("sha256").update(text);
  const loaded = [...sources].filter(([path]) => path !== entryPath).map(([, source]) => sha(source));
  if (loaded.length) hash.update(`\0sources\0${JSON.stringify(loaded.sort())}`);
  if (dataFiles.size) hash.update(`\0data files\0${JSON.stringify([...dataFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, sha]) => sha))}`);
  return hash.digest("hex");
}

/** Instantiates each selected model with its default (or overridden) hyper-parameters and builds a graph per function. */
function elaborateModels(el: Elaborator, entry: LoadedFile, options: CompileOptions, diagnostics: Diagnostic[], deferred: DeferredSampler[]): CompiledGraph[] {
  const out: CompiledGraph[] = [];
  const models = entry.program.items.filter((i) => i.kind === "ModelDecl");
  for (const wanted of options.models ?? []) {
    if (!models.some((m) => m.name.name === wanted))
      diagnostics.push(
        diagnostic("E0700", NO_SPAN, `there is no model \`${wanted}\` in ${entry.path}`, {
          help: models.length ? `its models are: ${models.map((m) => m.name.name).join(", ")}` : "declare one with `model name { ... }`",
        }),
      );
  }
  for (const model of models) {
    if (options.models && !options.models.includes(model.name.name)) continue;
    const missing = model.params.filter((p) => !p.default && !(p.name.name in (options.hyper ?? {})));
    if (missing.length) {
      diagnostics.push(
        diagnostic("E0605", missing[0]!.span, `model \`${model.name.name}\` needs a value for its hyper-parameter${missing.length > 1 ? "s" : ""} ${missing.map((p) => `\`${p.name.name}\``).join(", ")}`, {
          help: `give ${missing.length > 1 ? "them defaults" : "it a default"} (\`${missing[0]!.name.name}: int = 2\`) or pass \`--set ${missing[0]!.name.name}=...\``,
        }),
      );
      continue;
    }
    try {
      const args: EvaluatedArg[] = Object.entries(options.hyper ?? {})
        .filter(([k]) => model.params.some((p) => p.name.name === k))
        .map(([name, v]) => ({ name, value: fromSetting(v), span: model.name.span }));
      const inst = el.instantiate(model, entry, args, "", model.name.span);
      for (const [fnName, fn] of inst.fns) {
        const name = fnName || "forward";
        const graph = el.buildFunctionGraph(`${model.name.name}.${name}`, el.methodClosure(inst, fn));
        out.push({ model: model.name.name, fn: name, graph });
      }
      for (const sampler of inst.samplers) {
        // A sampler with tensor parameters (a time grid fed at run time) is built where a claim or
        // a data source binds them, for the shapes of their values (compiler/elaborate/measures.ts),
        // or for the shapes of the values a caller gives (options.samplerInputs).
        const name = `${model.name.name}.${sampler.name.name}`;
        let inputTypes: Record<string, TensorType> = {};
        if (sampler.params.some((p) => p.type?.kind === "TensorType")) {
          const given = options.samplerInputs?.[name];
          if (!given) {
            deferred.push(deferredSampler(inst, sampler, model.name.name));
            continue;
          }
          inputTypes = samplerInputTypes(inst, sampler, name, given);
        }
        const args = Object.fromEntries(Object.entries(options.samplerArgs?.[name] ?? {}).map(([k, v]) => [k, fromSetting(v)]));
        const graph = el.buildFunctionGraph(name, el.methodClosure(inst, sampler), args, inputTypes);
        out.push({ model: model.name.name, fn: sampler.name.name, graph, kind: "sampler", nfe: el.lastFunctionEvaluations, ...adaptiveOf(el) });
      }
    } catch (e) {
      if (e instanceof CompileError) diagnostics.push(e.diagnostic);
      else throw e;
    }
  }
  if (models.length === 0 && diagnostics.length === 0)
    diagnostics.push(
      diagnostic("E0701", { ...entry.program.span, start: 0, end: 0, line: 1, column: 1, endLine: 1, endColumn: 1 }, `\`${entry.path}\` declares no model, so there is nothing to compile`, {
        help: "declare one with `model name(...) { fn (x: f32[B, d]) -> ... = ... }`",
      }),
    );
  return out;
}

/** The declared signature of a sampler whose tensor parameters are given at run time. */
function deferredSampler(inst: ModuleInstance, sampler: SamplerDecl, model: string): DeferredSampler {
  const dims: DimBindings = new Map();
  const declared = (t: TensorTypeExpr) => {
    try {
      return manifestShape(evalTensorType(t, inst.env, dims, true));
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      return (t.dims ?? []).map(dimText); // a size written as an expression of free sizes
    }
  };
  const inputs = sampler.params.flatMap((p) => (p.type?.kind === "TensorType" ? [{ name: p.name.name, dtype: p.type.dtype, shape: declared(p.type) }] : []));
  let result = sampler.returnType;
  while (result && (result.kind === "ListType" || result.kind === "TupleType")) result = result.kind === "ListType" ? result.element : result.elements[0];
  return { model, fn: sampler.name.name, inputs, ...(result?.kind === "TensorType" ? { result: declared(result) } : {}) };
}

/**
 * The types a caller gives a sampler's tensor parameters, checked against the declarations as a
 * claim's arguments are (sizes such as `T` bind from them).
 */
function samplerInputTypes(inst: ModuleInstance, sampler: SamplerDecl, name: string, given: NonNullable<CompileOptions["samplerInputs"]>[string]): Record<string, TensorType> {
  const tensors = sampler.params.filter((p) => p.type?.kind === "TensorType");
  for (const unknown of Object.keys(given).filter((k) => !tensors.some((p) => p.name.name === k)))
    fail("E0501", sampler.name.span, `the sampler \`${name}\` has no tensor parameter \`${unknown}\``, {
      help: `its tensor parameters are ${tensors.map((p) => `\`${p.name.name}\``).join(", ")}`,
    });
  const dims: DimBindings = new Map();
  const types: Record<string, TensorType> = {};
  for (const p of tensors) {
    const value = given[p.name.name];
    if (!value)
      fail("E0300", p.span, `the sampler \`${name}\` takes the tensor \`${p.name.name}\`, which must be given to run it`, { help: "give a value for every tensor parameter" });
    const type: TensorType = { dtype: value.dtype, shape: value.shape.map(dimConst) };
    matchTensorType(type, p.type as TensorTypeExpr, inst.env, dims, `\`${p.name.name}\` of the sampler \`${name}\``, p.span, p.type!.span);
    types[p.name.name] = type;
  }
  return types;
}

function internalError(e: unknown): Diagnostic {
  if (e instanceof CompileError) return e.diagnostic;
  const err = e instanceof Error ? e : new Error(String(e));
  return diagnostic("E0900", NO_SPAN, `internal compiler error: ${err.message}`, {
    notes: [{ message: (err.stack ?? "").split("\n").slice(1, 6).join("\n").trim() }],
    help: "this is a bug in flowc, not in your spec; please report it with the spec that triggers it",
  });
}

/**
 * The sampler and function graphs that claims and generated pairs use, each built from the model
 * instance of its training (so its parameters are that training's) with the compile-time
 * arguments asked for.
 */
function trainedSamplers(el: Elaborator, trainings: readonly TrainingArtifacts[]): CompiledGraph[] {
  const out: CompiledGraph[] = [];
  for (const request of el.requestedSamplers()) {
    const { ref } = request;
    const inputTypes = Object.fromEntries(Object.entries(ref.inputs ?? {}).map(([name, v]) => [name, v.type]));
    const graph = el.buildFunctionGraph(request.graph, el.methodClosure(ref.model, ref.sampler), ref.args, inputTypes);
    const isSampler = ref.sampler.kind === "SamplerDecl";
    const mapping = el.deterministicUse(request.graph);
    const noise = graph.inputs.filter((i) => i.role === "noise");
    if (mapping && noise.length)
      fail("E0709", mapping, `\`${ref.label}\` maps points, so it must be deterministic, but it draws \`${noise[0]!.name}\``, {
        help: "draw the randomness in the loss or the sampler, and keep the mapping function free of `~` draws",
      });
    out.push({ model: ref.model.decl.name.name, fn: ref.sampler.name!.name, graph, kind: isSampler ? "sampler" : "function", paramsAs: "inputs", training: ref.training, ...(isSampler ? { nfe: el.lastFunctionEvaluations, ...adaptiveOf(el) } : {}) });
    for (const t of trainings) {
      if (t.data.spec.kind === "pairs" && t.data.spec.sampler.graph === request.graph) checkPairSampler(graph, request, t.data.label);
    }
  }
  return out;
}

/** Generated pairs are (the sampler's noise, its result): one noise input shaped like the result. */
function checkPairSampler(graph: Graph, request: SamplerRequest, label: string): void {
  const noise = graph.inputs.filter((i) => i.role === "noise");
  const result = graph.outputs.find((o) => o.role === "output");
  const same = result && noise.length === 1 && typeToString(graph.values[noise[0]!.value]!) === typeToString(graph.values[result.value]!);
  if (!same)
    fail("E0705", request.span, `${label} pairs the sampler's noise with its result, so \`${request.ref.label}\` must draw exactly one noise tensor shaped like its result; it draws ${noise.length === 0 ? "none" : noise.map((i) => `\`${i.name}\`: ${typeToString(graph.values[i.value]!)}`).join(", ")}`, {
      help: "draw the starting point once, e.g. `x0 ~ normal([N, d])`, and integrate from it",
    });
}

/** `init: rf1` copies rf1's parameters: the two models must have the same parameters. */
function checkInitShapes(trainings: readonly TrainingArtifacts[]): void {
  for (const t of trainings) {
    const init = t.config.init;
    if (!init) continue;
    const from = trainings.find((x) => x.name === init.training);
    if (!from) continue;
    const describeParams = (x: TrainingArtifacts) => x.trainStep.inputs.filter((i) => i.role === "param").map((i) => `${i.name}: ${typeToString(x.trainStep.values[i.value]!)}`);
    const mine = describeParams(t);
    const theirs = new Set(describeParams(from));
    const missing = mine.filter((p) => !theirs.has(p));
    if (missing.length)
      fail("E0705", init.span, `\`${t.name}\` cannot start from \`${from.name}\`'s weights: ${from.name} has no parameter ${missing[0]}`, {
        help: "`init` copies the parameters of a training of the same model with the same hyper-parameters",
      });
  }
}

/** Trainings whose data is generated by (or mapped through) each other's models cannot be ordered. */
function checkTrainingCycles(trainings: readonly TrainingArtifacts[]): void {
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: TrainingArtifacts, path: string[]) => {
    if (state.get(t.name) === "done") return;
    if (state.get(t.name) === "visiting")
      fail("E0705", t.decl.span, `the trainings ${[...path, t.name].map((n) => `\`${n}\``).join(" → ")} each need the other's samples or functions`, {
        help: "a training can only use pairs generated by, data mapped through, or the weights of a training that does not depend on it",
      });
    state.set(t.name, "visiting");
    for (const dep of trainingDependencies(t.data.spec, t.config.init?.training)) {
      const d = trainings.find((x) => x.name === dep);
      if (d) visit(d, [...path, t.name]);
    }
    state.set(t.name, "done");
  };
  for (const t of trainings) visit(t, []);
}
