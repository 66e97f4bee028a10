// A training on a continual-learning stream with replay (`replay(tasks(...))`): the replay buffer
// is state of the data source, not of the checkpoint, so a resumed run rebuilds it by drawing the
// earlier batches again; it must end with exactly the parameters of an uninterrupted run.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadCheckpoint } from "../../runtime/checkpoint.js";
import { trainRun } from "../../runtime/run.js";
import { compileOk } from "../compiled.js";

const SPEC = `
use std.nn.Linear
use std.norm.AdaB2N
use std.optim.sgd
data blobs = toy.gaussians8(radius: 2.0, std: 0.3)
data stream = tasks(blobs, count: 4)
model m {
  lin = Linear(2, 16)
  norm = AdaB2N(16, 4, kappa: 0.4)
  head = Linear(16, 8)
  loss (x: f32[B, 2], y: i32[B], xr: f32[B, 2], yr: i32[B]) {
    let ys = concat(y, yr, axis: 0)
    let (h, adaptation) = norm(lin(concat(x, xr, axis: 0)), ys / 2, max(y / 2))
    -mean(sum(one_hot(ys, 8) * log_softmax(head(relu(h)), axis: -1), axis: -1)) + 0.1 * adaptation
  }
}
train m on replay(stream, buffer: 16) { optimizer: sgd(lr: 0.05), batch: 8, steps: 40 }
`;

const tmp = () => mkdtempSync(join(tmpdir(), "flowc-stream-"));

describe("training on a task stream with replay", () => {
  it("is reproducible, and resuming (which rebuilds the replay buffer) gives the same parameters and state as not stopping", async () => {
    const compiled = compileOk({ entry: "test/stream.flow", text: SPEC, paramsAs: "inputs" });
    const straight = tmp();
    await trainRun({ spec: "test/stream.flow", compiled, outDir: straight });
    const interrupted = tmp();
    expect((await trainRun({ spec: "test/stream.flow", compiled, outDir: interrupted, maxStepsThisCall: 23 })).step).toBe(23);
    expect((await trainRun({ spec: "test/stream.flow", compiled, outDir: interrupted, resume: true })).step).toBe(40);
    const a = loadCheckpoint(straight);
    const b = loadCheckpoint(interrupted);
    expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) expect(Array.from(b.tensors[name]!.data), name).toEqual(Array.from(t.data));
    expect(b.meta.rng).toEqual(a.meta.rng);
    // AdaB²N's counter saw every step; its task weights moved once the second task began.
    expect(Array.from(a.tensors["norm.num_batches_tracked"]!.data)).toEqual([40]);
    expect(Array.from(a.tensors["norm.task_weight"]!.data).some((w) => w !== 0)).toBe(true);
  }, 60_000);
});
