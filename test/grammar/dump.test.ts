// dumpAst: exact text for a small program, and a golden file for the main example.
// Regenerate the golden file with UPDATE_GOLDEN=1 (then read the diff).

import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dumpAst } from "../../grammar/dump.js";
import { parseOk } from "./helpers.js";
import { MAIN_EXAMPLE } from "./examples.js";

const SMALL = `use std.nn.{MLP as M}
module Lin(n: int) {
  param w: f32[n, 2 * n] ~ normal(0, 1)
  fn (x: f32[B, n]) -> f32[B, 2 * n] = x @ w
}
fn f(x) {
  let (a, b) = (x[0], x[1:, None, ...])
  a + -b.t // sum
}
`;

const SMALL_DUMP = `Program @1:1
  UseDecl std.nn @1:1
    UseName MLP as M @1:13
  ModuleDecl Lin @2:1
    Param n @2:12
      type: NamedType int @2:15
    ParamDecl param w ~ @3:3
      type: TensorType f32[n, (2 * n)] @3:12
      init: Call @3:28
        callee: Name normal @3:28
        arg: Number 0 int @3:35
        arg: Number 1 int @3:38
    FnDecl (forward) @4:3
      Param x @4:7
        type: TensorType f32[B, n] @4:10
      returns: TensorType f32[B, (2 * n)] @4:24
      body: Binary @ @4:40
        Name x @4:40
        Name w @4:44
  FnDecl f @6:1
    Param x @6:6
    body: Block @6:9
      Let (a, b) @7:3
        Tuple @7:16
          Index @7:17
            target: Name x @7:17
            index: Number 0 int @7:19
          Index @7:23
            target: Name x @7:23
            Slice @7:25
              start: Number 1 int @7:25
            NewAxis @7:29
            Ellipsis @7:35
      result: Binary + @8:3
        Name a @8:3
        Unary - @8:7
          Member .t @8:8
            Name b @8:8
  Comment line "// sum" @8:12
`;

describe("dumpAst", () => {
  it("renders every node with its position", () => {
    expect(dumpAst(parseOk(SMALL))).toBe(SMALL_DUMP);
  });

  it("is stable: parsing the same text twice dumps the same", () => {
    expect(dumpAst(parseOk(MAIN_EXAMPLE))).toBe(dumpAst(parseOk(MAIN_EXAMPLE)));
  });

  it("matches the golden dump of the main example", () => {
    const dir = join(import.meta.dirname, "golden");
    const path = join(dir, "main-example.ast");
    const actual = dumpAst(parseOk(MAIN_EXAMPLE));
    if (process.env["UPDATE_GOLDEN"] === "1" || !existsSync(path)) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path, actual);
    }
    expect(actual).toBe(readFileSync(path, "utf8"));
  });
});
