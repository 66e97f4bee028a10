// Shared machinery of the IR optimization passes. A pass is a pure function Graph → Graph: it
// never mutates its argument, and it returns the very same object when it changes nothing (the
// pipeline uses that identity to detect its fixed point).
//
// A pass walks the nodes in order and tells a Rewriter what to do with each one: keep it, drop it,
// replace its outputs by values defined earlier, or put a new node in its place that defines the
// same output values (e.g. a folded constant). `finish` then resolves every use through the
// replacements and renumbers: node ids become positions again, and the values are compacted so
// that every value of the graph is still defined (the verifier requires it), keeping the relative
// order of the surviving value ids so that dumps stay readable and stable.

import type { Graph, Node, ValueId } from "../ir/graph.js";
import { typeToString, typesEqual } from "../ir/types.js";

export type Pass = (graph: Graph) => Graph;

export class Rewriter {
  private readonly replacements = new Map<ValueId, ValueId>();
  private readonly out: Node[] = [];
  private changed = false;

  constructor(readonly graph: Graph) {}

  /** The value that `v` stands for after the replacements made so far. */
  resolve(v: ValueId): ValueId {
    let r = v;
    for (let next = this.replacements.get(r); next !== undefined; next = this.replacements.get(r)) r = next;
    return r;
  }

  /**
   * Every later use of `from` reads `to` instead. `to` must be defined before the node that defined
   * `from` (an input of it, or earlier), and have the same type.
   */
  replace(from: ValueId, to: ValueId): void {
    const target = this.resolve(to);
    if (target === from) return;
    const a = this.graph.values[from]!;
    const b = this.graph.values[target]!;
    if (!typesEqual(a, b)) throw new Error(`optimizer: cannot replace %${from}: ${typeToString(a)} by %${target}: ${typeToString(b)}`);
    this.replacements.set(from, target);
    this.changed = true;
  }

  /** Keeps `node`, with its inputs resolved through the replacements. Returns its position. */
  keep(node: Node): number {
    const inputs = node.inputs.map((v) => this.resolve(v));
    if (inputs.some((v, i) => v !== node.inputs[i])) this.changed = true;
    this.out.push({ ...node, inputs });
    return this.out.length - 1;
  }

  /** Adds a node that takes the place of a dropped one (it must define values the graph already has). */
  emit(node: Omit<Node, "id">): number {
    this.changed = true;
    this.out.push({ ...node, id: -1, inputs: node.inputs.map((v) => this.resolve(v)) });
    return this.out.length - 1;
  }

  /** Records that a node of the input graph was left out. */
  drop(): void {
    this.changed = true;
  }

  /** The node at position `index` of the rewritten list (for passes that look at producers). */
  at(index: number): Node {
    return this.out[index]!;
  }

  /** Replaces the node at `index` (e.g. to give a merged node a span); it keeps its outputs. */
  update(index: number, node: Node): void {
    this.out[index] = node;
    this.changed = true;
  }

  /** The rewritten graph, or the original object when nothing changed. */
  finish(): Graph {
    if (!this.changed) return this.graph;
    const graph = this.graph;
    const outputs = graph.outputs.map((o) => ({ ...o, value: this.resolve(o.value) }));

    const defined: ValueId[] = graph.inputs.map((i) => i.value);
    for (const node of this.out) defined.push(...node.outputs);
    defined.sort((a, b) => a - b);
    const renumber = new Map<ValueId, ValueId>();
    defined.forEach((v, i) => renumber.set(v, i));
    const map = (v: ValueId): ValueId => {
      const r = renumber.get(v);
      if (r === undefined) throw new Error(`optimizer: %${v} is used but no longer defined in ${graph.name}`);
      return r;
    };

    return {
      name: graph.name,
      values: defined.map((v) => graph.values[v]!),
      inputs: graph.inputs.map((i) => ({ ...i, value: map(i.value) })),
      nodes: this.out.map((n, id) => ({ ...n, id, inputs: n.inputs.map(map), outputs: n.outputs.map(map) })),
      outputs: outputs.map((o) => ({ ...o, value: map(o.value) })),
    };
  }
}
