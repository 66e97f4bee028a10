// Top-level scopes: for each loaded file, the names it defines and the names it imports.
// Every top-level declaration of a file is visible to files that `use` it.

import { basename } from "node:path";
import type { TopItem, UseDecl } from "../../grammar/ast.js";
import type { Span } from "../source.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import type { LoadedFile, LoadResult } from "./loader.js";

export type NamedDecl = Exclude<TopItem, UseDecl | { kind: "ExpectDecl" }>;

export type TopBinding =
  | { readonly kind: "decl"; readonly name: string; readonly decl: NamedDecl; readonly file: LoadedFile; readonly span: Span }
  | { readonly kind: "namespace"; readonly name: string; readonly file: LoadedFile; readonly span: Span };

export type FileScope = Map<string, TopBinding>;

export function declName(item: TopItem): { name: string; span: Span } | undefined {
  switch (item.kind) {
    case "LetDecl":
    case "ModuleDecl":
    case "ModelDecl":
    case "DataDecl":
    case "SamplerDecl":
      return { name: item.name.name, span: item.name.span };
    case "FnDecl":
    case "TrainDecl":
      return item.name ? { name: item.name.name, span: item.name.span } : undefined;
    default:
      return undefined;
  }
}

/** The names a file defines itself (not its imports). */
export function ownDefinitions(file: LoadedFile, diagnostics: Diagnostic[]): FileScope {
  const scope: FileScope = new Map();
  for (const item of file.program.items) {
    const named = declName(item);
    if (!named) continue;
    const previous = scope.get(named.name);
    if (previous) {
      diagnostics.push(
        diagnostic("E0201", named.span, `\`${named.name}\` is defined twice in this file`, {
          notes: [{ message: "first defined here", span: previous.span }],
          help: "rename one of the two definitions",
        }),
      );
      continue;
    }
    scope.set(named.name, { kind: "decl", name: named.name, decl: item as NamedDecl, file, span: named.span });
  }
  return scope;
}

/** Builds the scope of every loaded file: own definitions plus imports (the prelude is handled by lookups). */
export function buildScopes(load: LoadResult): { scopes: Map<LoadedFile, FileScope>; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const own = new Map<LoadedFile, FileScope>();
  for (const file of load.files.values()) own.set(file, ownDefinitions(file, diagnostics));
  const scopes = new Map<LoadedFile, FileScope>();
  for (const file of load.files.values()) {
    const scope: FileScope = new Map(own.get(file));
    for (const item of file.program.items) {
      if (item.kind !== "UseDecl") continue;
      const target = file.imports.get(item);
      if (!target) continue; // the loader already reported why
      const bind = (name: string, span: Span, binding: TopBinding) => {
        const previous = scope.get(name);
        if (previous && previous !== binding) {
          diagnostics.push(
            diagnostic("E0201", span, `\`${name}\` is already defined in this file`, {
              notes: [{ message: "previous definition", span: previous.span }],
              help: `import it under another name with \`as\``,
            }),
          );
          return;
        }
        scope.set(name, binding);
      };
      if (item.names.length === 0) {
        const alias = item.alias?.name ?? namespaceName(item, target);
        bind(alias, item.alias?.span ?? item.span, { kind: "namespace", name: alias, file: target, span: item.span });
        continue;
      }
      const exported = own.get(target)!;
      for (const n of item.names) {
        const found = exported.get(n.name.name);
        if (!found) {
          diagnostics.push(
            diagnostic("E0204", n.name.span, `\`${target.path}\` does not define \`${n.name.name}\``, {
              help: suggestion(n.name.name, [...exported.keys()]) ?? `it defines: ${[...exported.keys()].join(", ") || "nothing"}`,
            }),
          );
          continue;
        }
        bind(n.alias?.name ?? n.name.name, (n.alias ?? n.name).span, found);
      }
    }
    scopes.set(file, scope);
  }
  return { scopes, diagnostics };
}

function namespaceName(use: UseDecl, target: LoadedFile): string {
  if (use.source.kind === "std") return use.source.path[use.source.path.length - 1]!.name;
  return basename(target.absPath).replace(/\.flow$/, "");
}

/** "did you mean `x`?" for the closest candidate within a small edit distance. */
export function suggestion(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= limit ? `did you mean \`${best}\`?` : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}
