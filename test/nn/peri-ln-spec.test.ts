// `flowc check specs/peri-ln.flow --fast`: every claim of the Peri-LN spec holds at the reduced
// budget (three trainings of 100 steps; the thresholds and their calibration are in the spec).

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";

it("every claim of specs/peri-ln.flow holds with --fast", async () => {
  const dir = mkdtempSync(join(tmpdir(), "flowc-check-peri-ln-"));
  const io = bufferIO();
  const code = await runCli(["check", "specs/peri-ln.flow", "--fast", "--out", join(dir, "report"), "--cache", join(dir, "cache")], io);
  console.log(io.stdout());
  const report = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8"));
  expect(report.claims).toHaveLength(8);
  for (const claim of report.claims) expect(claim.holds, `${claim.title}: ${claim.measured} ${claim.op} ${claim.threshold}`).toBe(true);
  expect(code).toBe(0);
}, 600_000);
