// Running one IR graph two ways in a test: the float64 reference interpreter and ONNX Runtime
// (float32, parameters as inputs). Both take the same feeds by input name and ignore feeds the
// graph does not have; ONNX Runtime is also fed every input's initial value that the feeds leave
// out (the lowered graph keeps none).

import type { Graph } from "../compiler/ir/graph.js";
import { interpret } from "../compiler/ir/interpret.js";
import type { NDArray } from "../compiler/ir/ndarray.js";
import { concreteShape } from "../compiler/ir/types.js";
import { lowerGraph } from "../compiler/onnx/lower.js";
import { GraphSession, type HostTensor } from "../runtime/onnx.js";

export type Arrays = Record<string, NDArray>;
export type GraphRunner = (g: Graph, feeds: Arrays) => Promise<Arrays>;

/** The feeds the graph has an input for. */
export const feedsOf = (g: Graph, feeds: Arrays): Arrays => Object.fromEntries(Object.entries(feeds).filter(([k]) => g.inputs.some((i) => i.name === k)));

export const runInterpreter: GraphRunner = async (g, feeds) => interpret(g, feedsOf(g, feeds));

/** An ONNX Runtime runner with one session per graph, created on its first run. */
export function ortRunner(): GraphRunner {
  const sessions = new Map<Graph, Promise<GraphSession>>();
  const toHost = (a: NDArray): HostTensor => ({ dtype: a.dtype, shape: a.shape, data: a.dtype === "i32" ? Int32Array.from(a.data) : Float32Array.from(a.data) }) as HostTensor;
  return async (g, feeds) => {
    if (!sessions.has(g)) sessions.set(g, GraphSession.create(lowerGraph(g, { paramsAs: "inputs" })));
    const session = await sessions.get(g)!;
    const all = feedsOf(g, feeds);
    for (const i of g.inputs)
      if (!(i.name in all) && i.initial) {
        const v = g.values[i.value]!;
        all[i.name] = { dtype: v.dtype, shape: concreteShape(v.shape)!, data: Float64Array.from(i.initial) } as NDArray;
      }
    const out = await session.run(Object.fromEntries(Object.entries(all).map(([k, a]) => [k, toHost(a)])));
    return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { dtype: t.dtype, shape: [...t.shape], data: Float64Array.from(t.data as ArrayLike<number>) } as NDArray]));
  };
}
