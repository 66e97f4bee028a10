// Builds the training graphs of a `train` declaration:
//
//   train_step: (params, optimizer state, layer state, step, lr…, batch, noise)
//               -> (loss, params', optimizer state', layer state')
//   eval:       (params, layer state, batch, noise) -> loss
//
// The loss is elaborated with `training = true`; its gradient with respect to every learnable
// parameter is taken by reverse-mode autodiff on the IR; the optimizer's `update` (written in
// .flow, std/optim.flow) is then elaborated once per parameter into the same graph. Every output
// that is the next value of an input names it in `updates`, so the runtime can feed it back.

import type * as A from "../../grammar/ast.js";
import { fail } from "../diagnostics/index.js";
import type { Span } from "../source.js";
import { grad } from "../ad/index.js";
import { withDerivativeErrors } from "../elaborate/derivative-errors.js";
import type { Graph } from "../ir/graph.js";
import { interpret } from "../ir/interpret.js";
import { dimValue } from "../ir/dims.js";
import { batchTypeText, dataTensors, taskStream, type BatchTensor } from "../artifacts/pipeline.js";
import { concreteShape, typeToString, type TensorType } from "../ir/types.js";
import type { Elaborator, Frame } from "../elaborate/elaborator.js";
import type { ModuleInstance, ParamSlot } from "../elaborate/module-instance.js";
import { asTensor, emitTensor, tensorValue, type TensorValue } from "../elaborate/tensors.js";
import { describe, type Value } from "../elaborate/values.js";
import type { LoadedFile } from "../sema/loader.js";
import { configSpan, readTrainConfig, type TrainConfig } from "./train-config.js";

const STEP_INPUT = "step";

export interface TrainingArtifacts {
  readonly name: string;
  readonly decl: A.TrainDecl;
  readonly model: ModuleInstance;
  readonly config: TrainConfig;
  /** The data source value of `on <data>`. */
  readonly data: Extract<Value, { kind: "data" }>;
  readonly trainStep: Graph;
  readonly eval: Graph;
  /** The graph input that takes the step number. */
  readonly stepInput: string;
  /** The optimizer's run-time `lr` input, which schedules scale (absent if it has none). */
  readonly learningRateInput?: string;
}

/** Tensors of one parameter's optimizer state, flattened: the leaves of the tuple `init` returns. */
interface OptimizerSlot {
  readonly slot: ParamSlot;
  readonly structure: Value; // the init result, to rebuild the same nesting from the leaves
  readonly leaves: { readonly name: string; readonly type: TensorType; readonly initial: Float32Array }[];
}

/** `hyper` are command-line overrides (`--set width=64`) of the trained model's hyper-parameters. */
export function buildTraining(el: Elaborator, decl: A.TrainDecl, file: LoadedFile, optimFile: LoadedFile): TrainingArtifacts {
  const frame: Frame = { env: el.fileEnv(file), file };
  const model = el.trainingModel(decl, file);
  if (model.decl.kind !== "ModelDecl") fail("E0300", decl.model.span, `\`train\` trains a model, but \`${model.decl.name.name}\` is a module`, { help: "declare it with `model`" });
  if (model.losses.length === 0)
    fail("E0705", decl.model.span, `model \`${model.decl.name.name}\` has no loss to train`, {
      help: "declare one in the model: `loss (x: f32[B, d]) { ... }`",
      notes: [{ message: "model declared here", span: model.decl.name.span }],
    });
  const data = el.expr(decl.data, frame);
  if (data.kind !== "data") fail("E0300", decl.data.span, `\`train ... on\` needs a data source, found ${describe(data)}`, { help: "declare one with `data moons = toy.moons(noise: 0.05)`" });
  const config = readTrainConfig(el, decl, frame, (e, path) => el.instantiateExpr(e, frame, path, "an optimizer"));
  const stream = taskStream(data.spec);
  if (stream)
    for (const [key, steps] of [["steps", config.steps], ["fast_steps", config.fastSteps]] as const)
      if (steps > 0 && steps < stream.count)
        fail("E0710", configSpan(decl, key), `${describe(data)} spreads ${stream.count} tasks over the training's steps, but \`${key}\` is ${steps}`, {
          help: `train for at least one step per task (${stream.count}), or 0 steps for the initial weights`,
        });
  const name = decl.name?.name ?? model.decl.name.name;
  const slots = model.allSlots().filter((s) => s.role === "param");
  const optimizerSlots = slots.map((slot) => optimizerState(el, config.optimizer, slot, decl.span));
  const trainStep = buildStepGraph(el, model, config, optimizerSlots, optimFile, decl.span);
  checkLossTakesData(trainStep, data, decl, model);
  const evalGraph = buildEvalGraph(el, model, decl.span);
  const lr = config.optimizer.hyper.get("lr");
  const learningRateInput = lr?.kind === "hyper" && trainStep.inputs.some((i) => i.name === lr.name) ? lr.name : undefined;
  return { name, decl, model, config, data, trainStep, eval: evalGraph, stepInput: STEP_INPUT, learningRateInput };
}

/** Sums the model's losses in the current graph, checking each is a scalar. */
function totalLoss(el: Elaborator, model: ModuleInstance, span: Span): TensorValue {
  let total: TensorValue | undefined;
  for (const loss of model.losses) {
    const closure = el.methodClosure(model, loss);
    const value = el.callClosure(closure, el.entryArguments(closure), loss.span);
    if (value.kind !== "tensor" || value.type.shape.length !== 0 || value.type.dtype !== "f32")
      fail("E0706", loss.body.result.span, `a loss must be a scalar f32, but this is ${value.kind === "tensor" ? typeToString(value.type) : describe(value)}`, {
        help: "reduce it over the batch, e.g. `mean(sum((pred - target)^2, axis: -1))`",
      });
    total = total ? emitTensor(el, "add", [total.id, value.id], {}, span) : value;
  }
  return total!;
}

function buildStepGraph(el: Elaborator, model: ModuleInstance, config: TrainConfig, optimizerSlots: OptimizerSlot[], optimFile: LoadedFile, span: Span): Graph {
  const builder = el.beginGraph("train_step", true);
  try {
    const start = builder.nodeCount;
    const loss = totalLoss(el, model, span);
    const params = optimizerSlots.map((o) => el.slotTensor(o.slot));
    const grads = withDerivativeErrors(span, () => grad(builder, builder.nodesFrom(start), loss.id, params.map((p) => p.id)));
    let gradValues: Value[] = grads.map((g) => tensorValue(el, g));
    if (config.clip > 0) {
      const clip = el.fileEnv(optimFile).lookup("clip_by_global_norm")!;
      const clipped = el.call(clip, [
        { value: { kind: "list", items: gradValues }, span },
        { value: { kind: "float", value: config.clip }, span },
      ], span);
      gradValues = (clipped as Extract<Value, { kind: "list" }>).items as Value[];
    }
    const step = tensorValue(el, builder.input(STEP_INPUT, { dtype: "f32", shape: [] }, "hyper", { default: 1 }));
    const update = el.methodClosure(config.optimizer, config.optimizer.fns.get("update")!);
    const emaUpdate = el.fileEnv(optimFile).lookup("ema_update")!;
    builder.output("loss", loss.id, "metric");
    optimizerSlots.forEach((o, i) => {
      const p = params[i]!;
      const leaves = o.leaves.map((leaf) => tensorValue(el, builder.input(leaf.name, leaf.type, "optimizer_state", { initial: leaf.initial })));
      const state = rebuild(o.structure, leaves);
      // Located at the `optimizer:` setting, so an error inside std/optim.flow also points there.
      const result = el.callClosure(update, [
        { value: p, span },
        { value: gradValues[i]!, span },
        { value: state, span },
        { value: step, span },
      ], config.optimizerSpan);
      if (result.kind !== "tuple" || result.items.length !== 2)
        fail("E0707", config.optimizer.fns.get("update")!.span, `\`update\` of \`${config.optimizer.decl.name.name}\` must return (new parameter, new state), found ${describe(result)}`);
      const next = asTensor(el, result.items[0]!, span);
      if (typeToString(next.type) !== typeToString(p.type))
        fail("E0707", config.optimizer.fns.get("update")!.span, `\`update\` turned \`${o.slot.fullName}\` from ${typeToString(p.type)} into ${typeToString(next.type)}`);
      builder.output(`${o.slot.fullName}.next`, next.id, "param", o.slot.fullName);
      const newLeaves = flatten(result.items[1]!);
      if (newLeaves.length !== o.leaves.length) fail("E0707", config.optimizer.fns.get("update")!.span, "`update` must return a state of the same structure as `init`");
      newLeaves.forEach((leaf, k) => builder.output(`${o.leaves[k]!.name}.next`, asTensor(el, leaf, span).id, "optimizer_state", o.leaves[k]!.name));
      if (config.ema > 0) {
        const average = tensorValue(el, builder.input(`ema.${o.slot.fullName}`, p.type, "optimizer_state", { initial: el.initialValueOf(o.slot) as Float32Array }));
        const updated = el.call(emaUpdate, [
          { value: average, span },
          { value: next, span },
          { value: { kind: "float", value: config.ema }, span },
        ], span);
        builder.output(`ema.${o.slot.fullName}.next`, asTensor(el, updated, span).id, "optimizer_state", `ema.${o.slot.fullName}`);
      }
    });
    el.addStateOutputs();
    // A state no function sets in a step (a constant of the model, such as a fixed random
    // projection `state a: f32[n, m] ~ normal()`) passes through unchanged: the runtime feeds it
    // like any other state and every checkpoint carries it for the graphs that read it.
    for (const slot of model.allSlots())
      if (slot.role === "state" && !el.updatedState().has(slot)) builder.output(`${slot.fullName}.next`, el.slotTensor(slot).id, "state", slot.fullName);
    return el.endGraph();
  } finally {
    el.abandonGraph();
  }
}

function buildEvalGraph(el: Elaborator, model: ModuleInstance, span: Span): Graph {
  const builder = el.beginGraph("eval", false);
  try {
    const loss = totalLoss(el, model, span);
    builder.output("loss", loss.id, "metric");
    return el.endGraph();
  } finally {
    el.abandonGraph();
  }
}

/** Runs the optimizer's `init` on one parameter (in a throw-away graph, by the reference interpreter). */
function optimizerState(el: Elaborator, optimizer: ModuleInstance, slot: ParamSlot, span: Span): OptimizerSlot {
  const builder = el.beginGraph("init", false);
  try {
    const p = tensorValue(el, builder.input("p", slot.type, "input"));
    const init = el.methodClosure(optimizer, optimizer.fns.get("init")!);
    const structure = el.callClosure(init, [{ value: p, span }], span);
    const leaves = flatten(structure).map((leaf) => asTensor(el, leaf, span));
    leaves.forEach((leaf, k) => builder.output(`leaf${k}`, leaf.id));
    const graph = el.endGraph();
    const shape = concreteShape(slot.type.shape)!;
    const values = interpret(graph, { p: { dtype: "f32", shape, data: Float64Array.from(el.initialValueOf(slot)) } });
    return {
      slot,
      structure,
      leaves: leaves.map((leaf, k) => ({
        name: `optimizer.${slot.fullName}.${k}`,
        type: leaf.type,
        initial: Float32Array.from(values[`leaf${k}`]!.data),
      })),
    };
  } finally {
    el.abandonGraph();
  }
}

function flatten(v: Value): Value[] {
  return v.kind === "tuple" || v.kind === "list" ? v.items.flatMap(flatten) : [v];
}

function rebuild(structure: Value, leaves: Value[]): Value {
  let k = 0;
  const go = (v: Value): Value => (v.kind === "tuple" || v.kind === "list" ? { kind: v.kind, items: v.items.map(go) } : leaves[k++]!);
  return go(structure);
}

/** The loss's tensor parameters receive the data's tensors in order: [batch, features] points, [batch] classes. */
function checkLossTakesData(step: Graph, data: Extract<Value, { kind: "data" }>, decl: A.TrainDecl, model: ModuleInstance): void {
  const inputs = step.inputs.filter((i) => i.role === "input");
  const tensors = dataTensors(data.spec);
  const expected = `${tensors.length === 1 ? "one tensor" : `${tensors.length} tensors`} (${tensors.map(batchTypeText).join(", ")})`;
  const lossSpan = model.losses[0]!.span;
  if (inputs.length !== tensors.length)
    fail("E0705", decl.data.span, `${data.label} gives ${expected} per batch, but the loss of \`${model.decl.name.name}\` takes ${inputs.length === 0 ? "no tensor" : inputs.map((i) => `\`${i.name}\``).join(", ")}`, {
      help:
        tensors.length === 1
          ? "declare the loss with one batch parameter, e.g. `loss (x1: f32[B, d]) { ... }`"
          : `declare the loss with ${tensors.length} batch parameters, e.g. \`loss (${tensors.map((t, k) => `${(data.spec.kind === "segments" ? ["xs", "xu", "s", "u"] : ["x0", "x1", "y"])[k] ?? `t${k}`}: ${"features" in t ? "f32[B, d]" : batchTypeText(t)}`).join(", ")}) { ... }\``,
      notes: [{ message: "the loss", span: lossSpan }],
    });
  inputs.forEach((input, k) => {
    const type = step.values[input.value]!;
    const want = tensors[k]!;
    const fits =
      "features" in want ? type.dtype === "f32" && type.shape.length === 2 && dimValue(type.shape[1]!) === want.features : type.dtype === want.dtype && type.shape.length === 1;
    if (!fits)
      fail("E0705", decl.data.span, `${data.label} gives ${expected} per batch, but the loss takes \`${input.name}\`: ${typeToString(type)}`, {
        notes: [{ message: "the loss", span: lossSpan }],
      });
  });
}
