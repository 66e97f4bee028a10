// Checkpoints: one safetensors file with every piece of training state (parameters, optimizer
// state, EMA weights, layer state) and, in its metadata, what is needed to continue bit for bit:
// the spec hash, the step, and the states of the random streams. Written atomically (temp file,
// fsync, rename), so a run killed while saving leaves the previous checkpoint intact.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { RunError } from "./errors.js";
import { writeFileAtomic } from "./files.js";
import type { HostTensor } from "./onnx.js";
import { decodeSafetensors, encodeSafetensors } from "./safetensors.js";

export const CHECKPOINT_FILE = "checkpoint.safetensors";

export interface CheckpointMeta {
  readonly specHash: string;
  readonly training: string;
  readonly step: number;
  /** Random stream states by stream name. */
  readonly rng: Readonly<Record<string, number[]>>;
}

export function saveCheckpoint(dir: string, tensors: Readonly<Record<string, HostTensor>>, meta: CheckpointMeta): string {
  const path = join(dir, CHECKPOINT_FILE);
  const bytes = encodeSafetensors(tensors, {
    format: "flowc-checkpoint-1",
    spec_hash: meta.specHash,
    training: meta.training,
    step: String(meta.step),
    rng: JSON.stringify(meta.rng),
  });
  writeFileAtomic(path, bytes);
  return path;
}

export interface LoadedCheckpoint {
  readonly tensors: Record<string, HostTensor>;
  readonly meta: CheckpointMeta;
}

export function checkpointExists(dir: string): boolean {
  return existsSync(join(dir, CHECKPOINT_FILE));
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const path = join(dir, CHECKPOINT_FILE);
  let decoded;
  try {
    decoded = decodeSafetensors(readFileSync(path));
  } catch (e) {
    throw new RunError(`${path} cannot be read as a checkpoint (${e instanceof Error ? e.message : String(e)}); train again into a fresh directory`);
  }
  const { tensors, metadata } = decoded;
  if (metadata["format"] !== "flowc-checkpoint-1") throw new RunError(`${path} is not a flowc checkpoint`);
  return {
    tensors,
    meta: {
      specHash: metadata["spec_hash"] ?? "",
      training: metadata["training"] ?? "",
      step: Number(metadata["step"]),
      rng: JSON.parse(metadata["rng"] ?? "{}") as Record<string, number[]>,
    },
  };
}
