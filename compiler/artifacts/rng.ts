// Seeded random streams shared by the compiler (parameter initialization) and the runtime
// (noise inputs). Every stream is derived from (seed, name), so a parameter's initial value does
// not depend on the order in which parameters are created, and a run is reproducible bit for bit.

import { createHash } from "node:crypto";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { JumpableRandomGenerator } from "pure-rand/types/JumpableRandomGenerator";

export class RandomStream {
  private spareNormal: number | undefined;
  private constructor(private readonly gen: JumpableRandomGenerator) {}

  /** A stream for one named consumer of one seed. */
  static derive(seed: number, name: string): RandomStream {
    const digest = createHash("sha256").update(`${seed}\0${name}`).digest();
    return new RandomStream(xoroshiro128plus(digest.readInt32LE(0)));
  }

  /** Restores a stream saved with `state()` (generator state, then the pending normal if any). */
  static fromState(state: readonly number[]): RandomStream {
    const stream = new RandomStream(xoroshiro128plusFromState(state.slice(0, 4)));
    if (state[4] === 1) stream.spareNormal = state[5];
    return stream;
  }

  /** Everything needed to continue this stream bit for bit (JSON-safe numbers). */
  state(): number[] {
    const gen = [...this.gen.getState()];
    if (gen.length !== 4) throw new Error("unexpected generator state size");
    return this.spareNormal === undefined ? [...gen, 0, 0] : [...gen, 1, this.spareNormal];
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return uniformFloat64(this.gen);
  }

  /** Standard normal (Box–Muller; both values of a pair are used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** Draws `count` values of a named distribution (the ones `~` and initializers accept), into `out` when given. */
export function sample(stream: RandomStream, distribution: string, args: Readonly<Record<string, number>>, count: number, out: Float32Array = new Float32Array(count)): Float32Array {
  switch (distribution) {
    case "normal": {
      const mean = args["mean"] ?? 0;
      const std = args["std"] ?? 1;
      for (let i = 0; i < count; i++) out[i] = mean + std * stream.normal();
      return out;
    }
    case "uniform": {
      const low = args["low"] ?? 0;
      const high = args["high"] ?? 1;
      for (let i = 0; i < count; i++) out[i] = low + (high - low) * stream.uniform();
      return out;
    }
    case "logit_normal": {
      const mean = args["mean"] ?? 0;
      const std = args["std"] ?? 1;
      for (let i = 0; i < count; i++) out[i] = 1 / (1 + Math.exp(-(mean + std * stream.normal())));
      return out;
    }
    default:
      throw new Error(`unknown distribution ${distribution}`);
  }
}

export const DISTRIBUTIONS = ["normal", "uniform", "logit_normal"] as const;
