// The `file(...)` source: points (and labels) of a user's data file (compiler/artifacts/
// data-files.ts reads .npy, safetensors and CSV), read once per process. A draw of n points takes
// rows as runtime/data/rows.ts does: n distinct rows uniformly at random from the source's rows
// (with replacement only when n exceeds them), from the run's seeded stream, so batches are
// reproducible bit for bit and continue exactly after a resume (the source has no state).
//
// `holdout: h` splits the file's rows once, by a fixed random permutation (a stream of seed 0
// named "file:holdout", the same for every training, claim and run): its first round(h · rows)
// rows are the held-out "test" rows, the others the "train" rows, each kept in file order. A
// training on `file(path, holdout: h)` never sees a row that `file(path, holdout: h, split:
// "test")` measures.

import type { Args } from "../../compiler/artifacts/pipeline.js";
import { RandomStream } from "../../compiler/artifacts/rng.js";
import { DataFileError, fileSourceOf, heldOutRows, readDataFile, type DataFileRows, type FileSplit } from "../../compiler/artifacts/data-files.js";
import { RunError } from "../errors.js";
import { drawRows } from "./rows.js";

interface LoadedSource {
  readonly data: DataFileRows;
  /** The rows the source draws from, in file order. */
  readonly pool: Int32Array;
}

const loaded = new Map<string, LoadedSource>();

/** The rows of a file a split keeps (all of them without a holdout). */
export function splitRows(rows: number, holdout: number, split: FileSplit): Int32Array {
  if (split === "all") return Int32Array.from({ length: rows }, (_, i) => i);
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  // Fisher–Yates shuffle from a fixed stream: the held-out rows are the first round(h · rows).
  const stream = RandomStream.derive(0, "file:holdout");
  for (let i = rows - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(stream.uniform() * (i + 1)));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const test = heldOutRows(rows, holdout);
  return (split === "test" ? order.subarray(0, test) : order.subarray(test)).slice().sort();
}

/** The data of a file source and the rows it draws from, read once per process. */
export function fileSource(args: Args): LoadedSource {
  const source = fileSourceOf(args);
  const key = JSON.stringify(args);
  let entry = loaded.get(key);
  if (!entry) {
    let data: DataFileRows;
    try {
      data = readDataFile(source.request, source.sha256);
    } catch (e) {
      if (e instanceof DataFileError) throw new RunError(`${e.message}${e.help ? `; ${e.help}` : ""}`);
      throw e;
    }
    if (data.rows !== source.rows) throw new RunError(`\`${source.request.shown}\` has ${data.rows} rows, not the ${source.rows} it had when the spec was compiled; run the command again`);
    entry = { data, pool: splitRows(data.rows, source.holdout, source.split) };
    loaded.set(key, entry);
  }
  return entry;
}

/** Draws n points of a file source into `out` [n, features], and their labels into `labels` when given. */
export function drawFile(stream: RandomStream, n: number, args: Args, labels?: Int32Array, out?: Float32Array): Float32Array {
  const { data, pool } = fileSource(args);
  const d = data.features;
  const points = out ?? new Float32Array(n * d);
  drawRows(stream, n, pool.length).forEach((k, i) => {
    const row = pool[k]!;
    points.set(data.points.subarray(row * d, (row + 1) * d), i * d);
    if (labels) labels[i] = data.labels![row]!;
  });
  return points;
}
