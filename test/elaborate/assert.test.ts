// `assert` adds nothing to the graphs: test/fixtures/good/asserts.flow compiles to the same graphs
// as the same file with its asserts blanked out (each replaced by spaces, so that every other
// node keeps its source position). The failures are checked by the fixtures under
// test/fixtures/bad/ (E0309, E0310).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "../../grammar/parse.js";
import type * as A from "../../grammar/ast.js";
import { printGraph } from "../../compiler/ir/print.js";
import { compile } from "../../compiler/compile.js";
import { compileOk } from "../compiled.js";

const entry = "test/fixtures/good/asserts.flow";

/** Every assert of a program (module items, `if` items, and statements of any block). */
function asserts(program: A.Program): A.AssertStmt[] {
  const out: A.AssertStmt[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    if ((node as { kind?: string }).kind === "Assert") out.push(node as A.AssertStmt);
    for (const [key, value] of Object.entries(node)) if (key !== "span" && key !== "opSpan") visit(value);
  };
  visit(program.items);
  return out;
}

function graphs(text: string): Map<string, string> {
  const result = compileOk({ entry, text, stage: "ir" });
  return new Map(result.graphs.map((g) => [g.graph.name, printGraph(g.graph)]));
}

describe("assert", () => {
  it("compiles to the same graphs as without the asserts", () => {
    const text = readFileSync(entry, "utf8");
    const found = asserts(parse(text, entry).program!);
    expect(found.length).toBeGreaterThanOrEqual(6);
    let blanked = text;
    for (const a of found) blanked = blanked.slice(0, a.span.start) + " ".repeat(a.span.end - a.span.start) + blanked.slice(a.span.end);
    expect(asserts(parse(blanked, entry).program!)).toEqual([]);
    const withAsserts = graphs(text);
    const without = graphs(blanked);
    expect([...withAsserts.keys()].sort()).toEqual(["m.energy", "m.forward", "m.walk"]);
    for (const [name, printed] of withAsserts) expect(printed, name).toBe(without.get(name));
  });

  it("checks a function's asserts with the values of the instance it belongs to", () => {
    const text = readFileSync(entry, "utf8").replace("model m(d: int = 8, heads: int = 2", "model m(d: int = 12, heads: int = 2");
    const result = compile({ entry, text, stage: "ir" });
    expect(result.diagnostics.map((d) => [d.code, d.message, d.span.line, d.notes[0]?.message])).toEqual([
      ["E0309", "assertion failed: `d / heads == 4`", 26, "`d / heads == 4` is false for d = 12, heads = 2"],
    ]);
  });
});
