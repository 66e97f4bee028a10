// CI's check that the repository's .flow files are formatted: `flowc fmt --check` over the standard
// library, the specs, the examples and the good fixtures. (The bad fixtures are not formatted:
// their expected diagnostics pin their exact text and line numbers.) To fix a failure:
// `flowc fmt std specs examples`.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { bufferIO } from "../../cli/io.js";
import { fmtCommand } from "../../cli/fmt.js";
import { ROOT } from "./helpers.js";

it("std/, specs/, examples/ and test/fixtures/good/ are formatted", async () => {
  const dirs = ["std", "specs", "examples", "test/fixtures/good"].map((d) => join(ROOT, d)).filter((d) => existsSync(d));
  const io = bufferIO();
  const code = await fmtCommand(dirs, { check: true }, io);
  expect(io.stderr()).toBe("");
  expect(io.stdout()).not.toContain("would reformat");
  expect(code).toBe(0);
});
