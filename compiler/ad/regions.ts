// Custom-VJP regions (CustomVjp in ir/builder.ts) as the transforms see them. A region whose
// nodes all lie in the range being differentiated acts, for reverse mode, as one node with the
// region's inputs and outputs and the region's `backward` as its rule; its inner nodes are not
// differentiated. Only outermost regions count: a custom-VJP function calling another is replaced
// whole by its own backward.

import type { CustomVjp, GraphBuilder } from "../ir/builder.js";
import type { Node, ValueId } from "../ir/graph.js";
import type { Span } from "../source.js";

/** A value a region's nodes read that is neither computed inside it nor one of its inputs. */
export interface ClosedOverRead {
  readonly value: ValueId;
  /** The span of the node that reads it. */
  readonly span?: Span;
}

export interface RegionLayout {
  /** For the position (in `nodes`) of a region's last node: that region. */
  readonly endingAt: ReadonlyMap<number, CustomVjp>;
  /** Whether the node at a position lies inside a region (and so is not differentiated itself). */
  readonly covered: readonly boolean[];
  /** The region covering a position, if any. */
  readonly regionAt: readonly (CustomVjp | undefined)[];
  /** For each placed region: the values it reads from outside without taking them as inputs. */
  readonly closedOver: ReadonlyMap<CustomVjp, readonly ClosedOverRead[]>;
}

export function regionLayout(builder: GraphBuilder, nodes: readonly Node[]): RegionLayout {
  const covered: boolean[] = new Array(nodes.length).fill(false);
  const regionAt: (CustomVjp | undefined)[] = new Array(nodes.length).fill(undefined);
  const endingAt = new Map<number, CustomVjp>();
  const closedOver = new Map<CustomVjp, ClosedOverRead[]>();
  const regions = builder.customVjpRegions;
  if (regions.length === 0) return { endingAt, covered, regionAt, closedOver };
  const positionOf = new Map<number, number>();
  nodes.forEach((n, i) => positionOf.set(n.id, i));
  // Largest first, so a region nested in one already placed is skipped.
  const bySize = [...regions].sort((a, b) => b.endNode - b.firstNode - (a.endNode - a.firstNode));
  for (const region of bySize) {
    if (region.endNode === region.firstNode) continue;
    const positions: number[] = [];
    for (let id = region.firstNode; id < region.endNode; id++) {
      const pos = positionOf.get(id);
      if (pos === undefined) break;
      positions.push(pos);
    }
    if (positions.length !== region.endNode - region.firstNode) continue; // not wholly in range
    if (positions.some((p) => covered[p])) continue; // nested in a region already placed
    for (const p of positions) {
      covered[p] = true;
      regionAt[p] = region;
    }
    endingAt.set(Math.max(...positions), region);
    closedOver.set(region, closedOverReads(positions.map((p) => nodes[p]!), region));
  }
  return { endingAt, covered, regionAt, closedOver };
}

function closedOverReads(inner: readonly Node[], region: CustomVjp): ClosedOverRead[] {
  const inside = new Set<ValueId>(region.inputs);
  for (const n of inner) for (const v of n.outputs) inside.add(v);
  const reads: ClosedOverRead[] = [];
  for (const n of inner)
    for (const v of n.inputs)
      if (!inside.has(v)) {
        inside.add(v);
        reads.push({ value: v, span: n.span });
      }
  return reads;
}
