// `flowc fmt`: rewrites files in place and lists them, `--check` lists what would change and exits 1,
// a file that does not parse is reported with its diagnostic and left untouched.

import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../cli/main.js";
import { bufferIO } from "../../cli/io.js";

const UGLY = "model m(d:int=2){fn(x:f32[B,d])->f32[B,d]=x*2}\n";
const PRETTY = "model m(d: int = 2) {\n  fn (x: f32[B, d]) -> f32[B, d] = x * 2\n}\n";
const BROKEN = "model m {\n  fn (x) = x +\n}\n";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flowc-fmt-"));
});

async function fmt(...args: string[]) {
  const io = bufferIO();
  const code = await runCli(["fmt", ...args], io);
  return { code, out: io.stdout(), err: io.stderr() };
}

describe("flowc fmt", () => {
  it("rewrites files in place and names them", async () => {
    const ugly = join(dir, "ugly.flow");
    const pretty = join(dir, "pretty.flow");
    writeFileSync(ugly, UGLY);
    writeFileSync(pretty, PRETTY);
    const { code, out, err } = await fmt(ugly, pretty);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toContain(`formatted ${ugly}`);
    expect(out).not.toContain(`formatted ${pretty}`);
    expect(out).toContain("formatted 1 file of 2 files");
    expect(readFileSync(ugly, "utf8")).toBe(PRETTY);
    expect(readFileSync(pretty, "utf8")).toBe(PRETTY);
  });

  it("--check changes nothing, names the files that would change and exits 1", async () => {
    const ugly = join(dir, "ugly.flow");
    writeFileSync(ugly, UGLY);
    const { code, out } = await fmt("--check", ugly);
    expect(code).toBe(1);
    expect(out).toContain(`would reformat ${ugly}`);
    expect(readFileSync(ugly, "utf8")).toBe(UGLY);
  });

  it("--check exits 0 when everything is formatted", async () => {
    writeFileSync(join(dir, "pretty.flow"), PRETTY);
    const { code, out } = await fmt("--check", join(dir, "pretty.flow"));
    expect(code).toBe(0);
    expect(out).toBe("1 file already formatted\n");
  });

  it("reports a file that does not parse with its diagnostic and leaves it untouched", async () => {
    const broken = join(dir, "broken.flow");
    const ugly = join(dir, "ugly.flow");
    writeFileSync(broken, BROKEN);
    writeFileSync(ugly, UGLY);
    const { code, err } = await fmt(broken, ugly);
    expect(code).toBe(1);
    expect(err).toContain("error[E0105]");
    expect(err).toContain(`--> ${broken}:3:1`);
    expect(err).toContain("3 | }");
    expect(readFileSync(broken, "utf8")).toBe(BROKEN);
    expect(readFileSync(ugly, "utf8")).toBe(PRETTY); // the other files are still formatted
  });

  it("formats the .flow files below a directory", async () => {
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "sub", "a.flow"), UGLY);
    writeFileSync(join(dir, "notes.txt"), UGLY);
    const { code, out } = await fmt(dir);
    expect(code).toBe(0);
    expect(out).toContain(`formatted ${join(dir, "sub", "a.flow")}`);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe(UGLY);
  });

  it("reports a missing file", async () => {
    const { code, err } = await fmt(join(dir, "missing.flow"));
    expect(code).toBe(1);
    expect(err).toContain("no such file or directory");
  });
});
