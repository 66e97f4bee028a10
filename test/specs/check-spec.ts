// Shared by the per-spec tests: `flowc check SPEC --fast` in a fresh cache, and every claim holds.
// One file per spec, so that the specs' trainings run on all of vitest's workers.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";

export function everyClaimHoldsWithFast(spec: string, claims: number): void {
  it(`every claim of ${spec} holds with --fast`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "flowc-check-"));
    const io = bufferIO();
    const code = await runCli(["check", spec, "--fast", "--out", join(dir, "report"), "--cache", join(dir, "cache")], io);
    console.log(io.stdout());
    const report = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8"));
    expect(report.claims).toHaveLength(claims);
    for (const claim of report.claims) expect(claim.holds, `${claim.title}: ${claim.measured} ${claim.op} ${claim.threshold}`).toBe(true);
    expect(code).toBe(0);
  }, 600_000);
}
