import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    pool: "forks",
    // One test file per core: vitest's default left one of the two cores CI has idle (the suite
    // took 9.5 min with one worker, 5.5 min with two, every test passing either way).
    maxWorkers: availableParallelism(),
  },
});
