// Learning-rate schedules, applied by the runtime to the optimizer's `lr` input each step
// (the training graph takes `lr` as an input, so no schedule needs a recompile).

export interface ScheduleSpec {
  readonly schedule: string;
  readonly warmup: number;
  readonly steps: number;
}

/** The multiplier of the base learning rate at (1-based) step `step`. */
export function scheduleFactor(spec: ScheduleSpec, step: number): number {
  if (spec.warmup > 0 && step <= spec.warmup) return step / spec.warmup;
  const span = Math.max(1, spec.steps - spec.warmup);
  const progress = Math.min(1, Math.max(0, (step - spec.warmup) / span));
  switch (spec.schedule) {
    case "cosine":
      return 0.5 * (1 + Math.cos(Math.PI * progress));
    case "linear":
      return 1 - progress;
    default:
      return 1;
  }
}
