// `flowc sample --input`: values for a sampler's tensor parameters (a time grid), as numbers or a
// .npy file, checked against the declaration. A run is trained for 3 steps; the samplers are
// compared with each other from the same seed (one noise stream for every sampler), so the checks
// are exact: Euler on the grid [0, 1] is the 1-step Euler sampler bit for bit.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";
import { decodeNpy, encodeNpy } from "../../runtime/npy.js";
import { compile } from "../../compiler/compile.js";

const SPEC = `
use std.nn.MLP
use std.optim.adam
use std.flow.{linear_path, mse_loss}
use std.solvers as ode

data moons = toy.moons(noise: 0.05)

model rf(d: int = 2, width: int = 16) {
  v = MLP(d + 1, [width], d, act: silu)
  fn velocity(x: f32[B, d], t: f32[B]) -> f32[B, d] = v(concat(x, t[:, None], axis: -1))
  loss (x0: f32[B, d], x1: f32[B, d]) {
    t ~ uniform([B])
    let (xt, target) = linear_path(x0, x1, t)
    mse_loss(velocity(xt, t), target)
  }
  sampler euler(steps: int = 1) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, ode.uniform_grid(steps))
  }
  sampler euler_two() -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, ode.uniform_grid(2))
  }
  sampler euler_on(grid: f32[T]) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, grid)
  }
  sampler shifted(grid: f32[T], shift: f32[N, d]) -> f32[N, d] {
    x0 ~ normal([N, d])
    ode.euler(velocity, x0, grid) + shift
  }
}

train rf1 = rf on independent(moons) { optimizer: adam(lr: 3e-3), batch: 32, steps: 3 }

let grid2 = ode.uniform_grid(2)
`;

async function cli(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(args, io);
  return { code, out: io.stdout(), err: io.stderr() };
}

const npy = (path: string) => decodeNpy(readFileSync(path));

let dir: string;
let run: string;
/** `flowc sample RUN -n 4 ...args -o FILE`: the samples, or the failure. */
async function sample(file: string, ...args: string[]) {
  const r = await cli("sample", run, "-n", "4", "--seed", "3", ...args, "-o", join(dir, file));
  return { ...r, samples: r.code === 0 ? npy(join(dir, file)) : undefined };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "flowc-sample-inputs-"));
  writeFileSync(join(dir, "spec.flow"), SPEC);
  run = join(dir, "run");
  const r = await cli("train", join(dir, "spec.flow"), "--out", run);
  expect(r.code, r.err).toBe(0);
});

describe("flowc sample --input", () => {
  it("Euler on the grid 0,1 (or 0,0.5,1, numbers or a float64 .npy) is the 1-step (2-step) Euler sampler from the same seed, exactly", async () => {
    const one = await sample("one.npy", "--sampler", "euler");
    expect(one.err).toBe("");
    expect(one.samples!.shape).toEqual([4, 2]);
    const onGrid = await sample("on.npy", "--sampler", "euler_on", "--input", "grid=0,1");
    expect(onGrid.err).toBe("");
    expect(onGrid.out).toMatch(/^rf\.euler_on \(grid: f32\[2\]\): 4 samples/);
    expect(Array.from(onGrid.samples!.data)).toEqual(Array.from(one.samples!.data));

    const two = await sample("two.npy", "--sampler", "euler_two");
    writeFileSync(join(dir, "grid.npy"), float64Npy([0, 0.5, 1]));
    const fromFile = await sample("file.npy", "--sampler", "euler_on", "--input", `grid=${join(dir, "grid.npy")}`);
    expect(fromFile.err).toBe("");
    expect(Array.from(fromFile.samples!.data)).toEqual(Array.from(two.samples!.data));
    // Not the same as one step: the grid given is the grid used.
    expect(Array.from(two.samples!.data)).not.toEqual(Array.from(one.samples!.data));
  });

  it("--sampler 'euler(steps: 2)' builds the sampler with that argument: the 2-step sampler, exactly", async () => {
    const two = await sample("two-fixed.npy", "--sampler", "euler_two");
    const called = await sample("two-called.npy", "--sampler", "euler(steps: 2)");
    expect(called.err).toBe("");
    expect(called.out).toMatch(/^rf\.euler \(steps: 2\): 4 samples/);
    expect(Array.from(called.samples!.data)).toEqual(Array.from(two.samples!.data));
    const equals = await sample("two-equals.npy", "--sampler", "euler(steps=2)");
    expect(Array.from(equals.samples!.data)).toEqual(Array.from(two.samples!.data));
    // The default (1 step) is something else.
    const one = await sample("one-default.npy", "--sampler", "euler");
    expect(Array.from(one.samples!.data)).not.toEqual(Array.from(two.samples!.data));
  });

  it("wrong sampler arguments are usage errors (or the compiler's located error) that say what to give", async () => {
    const unknown = await sample("x.npy", "--sampler", "euler(stepz: 2)");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("error: the sampler `euler` has no parameter `stepz`; its parameters are `steps`");
    const tensor = await sample("x.npy", "--sampler", "euler_on(grid: 1)");
    expect(tensor.err).toContain("`grid` of `euler_on` is a tensor; give it with --input grid=...");
    const malformed = await sample("x.npy", "--sampler", "euler(steps 2)");
    expect(malformed.err).toContain("`steps 2` is not an argument `name: value`");
    const badValue = await sample("x.npy", "--sampler", "euler(steps: two)");
    expect(badValue.err).toContain("the value of `steps` must be a number, true, false or a \"string\", got `two`");
    const wrongType = await sample("x.npy", "--sampler", "euler(steps: 1.5)");
    expect(wrongType.code).toBe(1);
    expect(wrongType.err).toContain("error[E0300]: argument `steps` of `rf.euler` should be an int, found the float 1.5");
    expect(wrongType.err).toMatch(/sampler euler\(steps: int = 1\)/);
  });

  it("binds N of a rank-2 input from -n and feeds it: shifted = euler_on + shift", async () => {
    const shift = Float32Array.from({ length: 8 }, (_, i) => (i - 3.5) / 2);
    writeFileSync(join(dir, "shift.npy"), encodeNpy({ dtype: "f32", shape: [4, 2], data: shift }));
    const base = await sample("base.npy", "--sampler", "euler_on", "--input", "grid=0,0.35,1");
    const shifted = await sample("shifted.npy", "--sampler", "shifted", "--input", "grid=0,0.35,1", "--input", `shift=${join(dir, "shift.npy")}`);
    expect(shifted.err).toBe("");
    let worst = 0;
    for (let i = 0; i < 8; i++) worst = Math.max(worst, Math.abs(shifted.samples!.data[i]! - base.samples!.data[i]! - shift[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it("a missing, unknown or misshapen input is a usage error that says what to give", async () => {
    const errors: [string[], string][] = [
      [["--sampler", "euler_on"], "error: the sampler `rf.euler_on` takes the tensor `grid: f32[T]`: give it with --input grid=0,0.5,1 (comma-separated numbers) or --input grid=FILE.npy\n"],
      [["--sampler", "euler_on", "--input", "grid=0,1", "--input", "grd=0,1"], "error: the sampler `rf.euler_on` has no tensor parameter `grd`; its tensor parameters are `grid: f32[T]`\n"],
      [["--sampler", "euler", "--input", "grid=0,1"], "error: the sampler `rf.euler` has no tensor parameter `grid`; it takes no --input\n"],
      [["--sampler", "euler_on", "--input", "grid=0,,1"], "error: --input grid=0,,1: `` is not a number; give --input grid=0,0.5,1 (comma-separated numbers) or --input grid=FILE.npy\n"],
      [["--sampler", "euler_on", "--input", "grid=grid2"], "error: --input grid=grid2: `grid2` is a `let` of the spec, which `flowc sample` does not evaluate"],
      [["--sampler", "euler_on", "--input", "grid"], "error: --input expects NAME=VALUES"],
      [["--sampler", "euler_on", "--input", "grid=0,1", "--input", "grid=0,1"], "error: --input grid is given twice\n"],
      [["--sampler", "euler_on", "--input", "grid=missing.npy"], "error: --input grid: cannot read `missing.npy`; give the path of a .npy file (numpy.save) or comma-separated numbers\n"],
      [["--sampler", "shifted", "--input", "grid=0,1", "--input", "shift=1,2"], "error: --input shift: the sampler `rf.shifted` declares `shift: f32[N, 2]`, of rank 2; a list of numbers gives a vector, so give a .npy file of that shape\n"],
      [["--sampler", "euler_on", "--input", "grid=nope"], "error: --input grid=nope: `nope` is not a number"],
      [["--sampler", "nope"], "error: the model `rf` has no sampler `nope`; its samplers are `euler`, `euler_two`, `euler_on`, `shifted`\n"],
    ];
    for (const [args, message] of errors) {
      const r = await sample("never.npy", ...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toContain(message);
      expect(r.err).toContain("(run with --help for usage)");
      expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it("checks a .npy input's shape (binding T and N) and dtype against the declaration", async () => {
    const file = (name: string, t: Parameters<typeof encodeNpy>[0]) => {
      writeFileSync(join(dir, name), encodeNpy(t));
      return join(dir, name);
    };
    const matrix = file("matrix.npy", { dtype: "f32", shape: [2, 2], data: new Float32Array(4) });
    const bools = file("bools.npy", { dtype: "bool", shape: [2], data: Uint8Array.of(0, 1) });
    const shift3 = file("shift3.npy", { dtype: "f32", shape: [3, 2], data: new Float32Array(6) });
    const shift4x3 = file("shift4x3.npy", { dtype: "f32", shape: [4, 3], data: new Float32Array(12) });
    writeFileSync(join(dir, "garbage.npy"), "not numpy");
    const errors: [string[], string][] = [
      [["--sampler", "euler_on", "--input", `grid=${matrix}`], "error: --input grid gives an array of floats of shape [2, 2], but the sampler `rf.euler_on` declares `grid: f32[T]`: give an array of shape [T]\n"],
      [["--sampler", "euler_on", "--input", `grid=${bools}`], "error: --input grid gives an array of booleans of shape [2], but the sampler `rf.euler_on` declares `grid: f32[T]`: give numbers\n"],
      [["--sampler", "shifted", "--input", "grid=0,1", "--input", `shift=${shift3}`], "error: --input shift gives an array of floats of shape [3, 2], but the sampler `rf.shifted` declares `shift: f32[N, 2]`, and N = 4 from -n: give an array of shape [4, 2]\n"],
      [["--sampler", "shifted", "--input", "grid=0,1", "--input", `shift=${shift4x3}`], "error: --input shift gives an array of floats of shape [4, 3], but the sampler `rf.shifted` declares `shift: f32[N, 2]`: give an array of shape [4, 2]\n"],
      [["--sampler", "euler_on", "--input", `grid=${join(dir, "garbage.npy")}`], "garbage.npy` is not a .npy file"],
    ];
    for (const [args, message] of errors) {
      const r = await sample("never.npy", ...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err, args.join(" ")).toContain(message);
    }
  });

  it("--help documents --input", async () => {
    const help = await cli("sample", "--help");
    expect(help.out).toContain("--input <name=values>");
    expect(help.out).toContain("--sampler euler_on --input grid=0,0.35,1");
  });
});

describe("compile() with samplerInputs", () => {
  const build = (samplerInputs?: Parameters<typeof compile>[0]["samplerInputs"]) => compile({ entry: "test/cli/spec.flow", text: SPEC, stage: "ir", samplerInputs });

  it("leaves a sampler with tensor parameters unbuilt, with its declared signature, until they are given", () => {
    const r = build();
    expect(r.diagnostics).toEqual([]);
    expect(r.graphs.map((g) => g.graph.name)).not.toContain("rf.euler_on");
    expect(r.deferredSamplers).toEqual([
      { model: "rf", fn: "euler_on", inputs: [{ name: "grid", dtype: "f32", shape: ["T"] }], result: ["N", 2] },
      { model: "rf", fn: "shifted", inputs: [{ name: "grid", dtype: "f32", shape: ["T"] }, { name: "shift", dtype: "f32", shape: ["N", 2] }], result: ["N", 2] },
    ]);
    const built = build({ "rf.euler_on": { grid: { dtype: "f32", shape: [3] } } });
    expect(built.diagnostics).toEqual([]);
    const graph = built.graphs.find((g) => g.graph.name === "rf.euler_on")!;
    expect(graph.nfe).toBe(2);
    expect(built.deferredSamplers!.map((d) => d.fn)).toEqual(["shifted"]);
  });

  it("checks the types given against the declaration (the CLI checks first; this is the compiler's own check)", () => {
    const codes = (inputs: Record<string, { dtype: "f32" | "i32"; shape: number[] }>) => build({ "rf.shifted": inputs }).diagnostics.map((d) => `${d.code}: ${d.message}`);
    expect(codes({ grid: { dtype: "f32", shape: [2, 2] }, shift: { dtype: "f32", shape: [4, 2] } })).toEqual(["E0401: `grid` of the sampler `rf.shifted` should be f32[T], found f32[2, 2] (rank 2 instead of 1)"]);
    expect(codes({ grid: { dtype: "i32", shape: [2] }, shift: { dtype: "f32", shape: [4, 2] } })).toEqual(["E0401: `grid` of the sampler `rf.shifted` should be f32[T], found i32[2]"]);
    expect(codes({ grid: { dtype: "f32", shape: [2] }, shift: { dtype: "f32", shape: [4, 3] } })).toEqual(["E0401: `shift` of the sampler `rf.shifted` should be f32[4, 2], found f32[4, 3]"]);
    expect(codes({ grid: { dtype: "f32", shape: [2] } })).toEqual(["E0300: the sampler `rf.shifted` takes the tensor `shift`, which must be given to run it"]);
    expect(codes({ grid: { dtype: "f32", shape: [2] }, shift: { dtype: "f32", shape: [4, 2] }, other: { dtype: "f32", shape: [] } })).toEqual(["E0501: the sampler `rf.shifted` has no tensor parameter `other`"]);
  });
});

/** A float64 vector as numpy.save writes it (`<f8`), which --input converts to the declared f32. */
function float64Npy(values: readonly number[]): Buffer {
  const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${values.length},), }`;
  const padded = header + " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const prefix = Buffer.alloc(10);
  prefix.write("\x93NUMPY", 0, "latin1");
  prefix[6] = 1;
  prefix.writeUInt16LE(padded.length, 8);
  const data = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => data.writeDoubleLE(v, 8 * i));
  return Buffer.concat([prefix, Buffer.from(padded, "latin1"), data]);
}
