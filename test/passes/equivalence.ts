// The optimizer preserves meaning: every graph of every bundled spec and good fixture computes the
// same outputs before and after optimizeGraph on the float64 reference interpreter — bit-identical
// for i32 and bool outputs, within 1e-6 relative for f32 outputs (a folded f32 value is rounded
// to float32 once, see compiler/passes/fold.ts) — and keeps its inputs and outputs. The verifier
// runs after every pass.
//
// The entries are checked in SHARDS test files (equivalence-<k>.test.ts, entry i in shard i mod
// SHARDS), so that vitest's workers share this, the suite's longest check.

import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestGraph } from "../../compiler/artifacts/manifest.js";
import type { Graph } from "../../compiler/ir/graph.js";
import { interpret } from "../../compiler/ir/interpret.js";
import { makeArray, type NDArray } from "../../compiler/ir/ndarray.js";
import { optimizeGraph } from "../../compiler/passes/index.js";
import { exampleInputs } from "../../runtime/inputs.js";
import { compileOk } from "../compiled.js";

const RELATIVE = 1e-6;
// The reference interpreter is slow on the largest unrolled samplers of the paper specs (hundreds
// of solver steps, each a network evaluation): graphs beyond this many nodes are checked for
// structure (inputs, outputs, verifier) but not evaluated. test/ir and test/ad cover every
// primitive; the specs' own checks cover their behaviour.
const MAX_EVALUATED_NODES = 6000;
const repo = join(import.meta.dirname, "..", "..");
const entries = [
  ...readdirSync(join(repo, "specs")).filter((f) => f.endsWith(".flow")).map((f) => join(repo, "specs", f)),
  ...readdirSync(join(repo, "test", "fixtures", "good")).filter((f) => f.endsWith(".flow")).map((f) => join(repo, "test", "fixtures", "good", f)),
].map((p) => relative(process.cwd(), p));

export const SHARDS = 3;

/** Feeds for an IR graph: example data and noise; params and state keep their initial values; hyper-parameters their defaults. */
function feedsFor(graph: Graph): Record<string, NDArray> {
  const manifest = manifestGraph(graph, "m", "f", "initializers", "function");
  const fed = graph.inputs.filter((i) => !i.initial && i.role !== "hyper").map((i) => i.name);
  const examples = exampleInputs({ ...manifest, inputs: manifest.inputs.filter((i) => fed.includes(i.name)) }, { seed: 5, sizes: { B: 3, T: 5, N: 4 }, intHigh: 7 });
  const feeds: Record<string, NDArray> = {};
  for (const [name, t] of Object.entries(examples)) feeds[name] = makeArray(t.dtype, t.shape, t.data);
  for (const i of graph.inputs) if (i.role === "hyper") feeds[i.name] = makeArray(graph.values[i.value]!.dtype, [], [i.name === "step" ? 3 : (i.default ?? 1)]);
  return feeds;
}

/** Declares the checks of the entries of shard `shard` (0 to SHARDS - 1). */
export function checkOptimizedGraphs(shard: number): void {
  describe(`optimized graphs compute what the originals compute (shard ${shard + 1} of ${SHARDS})`, () => {
    checkEntries(entries.filter((_, i) => i % SHARDS === shard));
  });
}

function checkEntries(shardEntries: readonly string[]): void {
  for (const entry of shardEntries) {
    it(entry, { timeout: 180_000 }, () => {
      const result = compileOk({ entry, stage: "ir" });
      expect(result.graphs.length).toBeGreaterThan(0);
      for (const { graph } of result.graphs) {
        const optimized = optimizeGraph(graph, { verify: true });
        expect(optimized.nodes.length).toBeLessThanOrEqual(graph.nodes.length);
        expect(optimized.inputs.map(({ value: _, ...rest }) => rest)).toEqual(graph.inputs.map(({ value: _, ...rest }) => rest));
        expect(optimized.outputs.map(({ value: _, ...rest }) => rest)).toEqual(graph.outputs.map(({ value: _, ...rest }) => rest));
        expect(optimized.inputs.map((i) => optimized.values[i.value])).toEqual(graph.inputs.map((i) => graph.values[i.value]));
        expect(optimized.outputs.map((o) => optimized.values[o.value])).toEqual(graph.outputs.map((o) => graph.values[o.value]));

        if (graph.nodes.length > MAX_EVALUATED_NODES) continue;
        const feeds = feedsFor(graph);
        const before = interpret(graph, feeds);
        const after = interpret(optimized, feeds);
        for (const { name } of graph.outputs) {
          const x = before[name]!;
          const y = after[name]!;
          const where = `${graph.name}:${name}`;
          expect(y.dtype, where).toBe(x.dtype);
          expect(y.shape, where).toEqual(x.shape);
          const mismatches: string[] = [];
          for (let k = 0; k < x.data.length; k++) {
            const a = x.data[k]!;
            const b = y.data[k]!;
            const same = x.dtype !== "f32" || !Number.isFinite(a) ? Object.is(a, b) || a === b : Math.abs(a - b) <= RELATIVE * Math.abs(a);
            if (!same && mismatches.length < 5) mismatches.push(`[${k}]: ${a} vs ${b}`);
          }
          expect(mismatches, where).toEqual([]);
        }
      }
    });
  }
}
