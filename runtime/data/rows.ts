// Rows drawn from a finite table (the MNIST digits, a user's data file): each draw of n rows
// takes n distinct rows uniformly at random when the table has at least n, so a batch (or a
// claim's sample set) never repeats a row; a larger draw takes rows with replacement. Successive
// draws are independent (rows are drawn with replacement across batches).

import type { RandomStream } from "../../compiler/artifacts/rng.js";

/** The rows (of [0, size)) of one draw of n, in the order drawn. */
export function drawRows(stream: RandomStream, n: number, size: number): number[] {
  return n <= size ? distinctIndices(stream, n, size) : Array.from({ length: n }, () => Math.min(size - 1, Math.floor(stream.uniform() * size)));
}

/**
 * n distinct integers of [0, size), uniformly: Floyd's algorithm (Bentley & Floyd, "Programming
 * Pearls: A Sample of Brilliance", CACM 1987), in the order drawn.
 */
export function distinctIndices(stream: RandomStream, n: number, size: number): number[] {
  const chosen = new Set<number>();
  const order: number[] = [];
  for (let j = size - n; j < size; j++) {
    const t = Math.min(j, Math.floor(stream.uniform() * (j + 1)));
    const pick = chosen.has(t) ? j : t;
    chosen.add(pick);
    order.push(pick);
  }
  return order;
}
