// `flowc check specs/wcfm.flow --fast`: every claim of the wcfm spec holds at
// the reduced budget (the thresholds and budgets are discussed in the spec).

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";

it("every claim of specs/wcfm.flow holds with --fast", async () => {
  const dir = mkdtempSync(join(tmpdir(), "flowc-check-wcfm-"));
  const io = bufferIO();
  const code = await runCli(["check", "specs/wcfm.flow", "--fast", "--out", join(dir, "report"), "--cache", join(dir, "cache")], io);
  console.log(io.stdout());
  const report = JSON.parse(readFileSync(join(dir, "report", "report.json"), "utf8"));
  expect(report.claims).toHaveLength(4);
  for (const claim of report.claims) expect(claim.holds, `${claim.title}: ${claim.measured} ${claim.op} ${claim.threshold}`).toBe(true);
  expect(code).toBe(0);
}, 300_000);
