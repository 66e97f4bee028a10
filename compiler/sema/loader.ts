// Loads the entry file and, transitively, every file it `use`s (std modules and relative paths).
// Reports missing files, unknown std modules and import cycles as located diagnostics.
// The prelude (std/prelude.flow) is loaded for every program and its names are visible everywhere.

import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative, resolve as resolvePath } from "node:path";
import { parse } from "../../grammar/parse.js";
import type { Program, UseDecl } from "../../grammar/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { stdRoot } from "./std-root.js";

export interface LoadedFile {
  /** Display path: relative to the working directory for user files, `std/<name>.flow` for std. */
  readonly path: string;
  /** Absolute path on disk (or the in-memory key). */
  readonly absPath: string;
  readonly text: string;
  readonly program: Program;
  readonly isStd: boolean;
  /** For each `use` declaration of this file: the file it refers to (absent if it failed to load). */
  readonly imports: Map<UseDecl, LoadedFile>;
}

export interface FileSystem {
  /** Returns the text, or undefined if the file does not exist / cannot be read. */
  read(absPath: string): string | undefined;
}

export const nodeFileSystem: FileSystem = {
  read(absPath) {
    try {
      return readFileSync(absPath, "utf8");
    } catch {
      return undefined;
    }
  },
};

export interface LoadResult {
  readonly entry?: LoadedFile;
  readonly prelude?: LoadedFile;
  /** std/optim.flow, always loaded: the training step uses its clipping and EMA functions. */
  readonly optim?: LoadedFile;
  readonly files: ReadonlyMap<string, LoadedFile>;
  readonly diagnostics: Diagnostic[];
  /** Text of every file that was read, by display path (for rendering code frames). */
  readonly sources: ReadonlyMap<string, string>;
}

export const KNOWN_STD_MODULES = ["prelude", "nn", "norm", "attention", "optim", "flow", "solvers"] as const;

export function loadProgram(entryPath: string, fs: FileSystem = nodeFileSystem, entryText?: string): LoadResult {
  const files = new Map<string, LoadedFile>();
  const sources = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const inProgress: LoadedFile[] = [];
  const std = stdRoot();

  function displayPath(abs: string): string {
    const fromStd = relative(std, abs);
    if (!fromStd.startsWith("..") && !fromStd.startsWith("/")) return join("std", fromStd);
    const rel = relative(process.cwd(), abs);
    return rel.startsWith("..") ? abs : rel;
  }

  function load(abs: string, isStd: boolean, text?: string): LoadedFile | undefined {
    const existing = files.get(abs);
    if (existing) return existing;
    const source = text ?? fs.read(abs);
    if (source === undefined) return undefined;
    const path = displayPath(abs);
    sources.set(path, source);
    const parsed = parse(source, path);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.program) return undefined;
    const file: LoadedFile = { path, absPath: abs, text: source, program: parsed.program, isStd, imports: new Map() };
    files.set(abs, file);
    inProgress.push(file);
    for (const item of parsed.program.items) if (item.kind === "UseDecl") resolveUse(file, item);
    inProgress.pop();
    return file;
  }

  function resolveUse(from: LoadedFile, use: UseDecl): void {
    let target: string;
    if (use.source.kind === "std") {
      const name = use.source.path.map((p) => p.name).join("/");
      if (!(KNOWN_STD_MODULES as readonly string[]).includes(name)) {
        const span = use.source.path[0]?.span ?? use.span;
        diagnostics.push(
          diagnostic("E0205", span, `there is no standard library module \`std.${use.source.path.map((p) => p.name).join(".")}\``, {
            help: `the standard library modules are: ${KNOWN_STD_MODULES.filter((m) => m !== "prelude").map((m) => `std.${m}`).join(", ")}`,
          }),
        );
        return;
      }
      target = join(std, `${name}.flow`);
    } else {
      target = normalize(resolvePath(dirname(from.absPath), use.source.path));
    }
    const cycleAt = inProgress.findIndex((f) => f.absPath === target);
    if (cycleAt >= 0) {
      const chain = [...inProgress.slice(cycleAt).map((f) => f.path), displayPath(target)].join(" → ");
      diagnostics.push(
        diagnostic("E0203", use.source.kind === "file" ? use.source.span : use.span, `import cycle: ${chain}`, {
          help: "move the shared declarations into a third file that both import",
        }),
      );
      return;
    }
    const loaded = load(target, use.source.kind === "std" || from.isStd);
    if (loaded) {
      from.imports.set(use, loaded);
    } else if (!files.has(target) && !sources.has(displayPath(target))) {
      const shown = use.source.kind === "file" ? use.source.path : displayPath(target);
      diagnostics.push(
        diagnostic("E0202", use.source.kind === "file" ? use.source.span : use.span, `cannot find the file \`${shown}\` (looked for ${displayPath(target)})`, {
          help: "paths in `use \"...\"` are relative to the file that contains the `use`",
        }),
      );
    }
  }

  const prelude = load(join(std, "prelude.flow"), true);
  const optim = load(join(std, "optim.flow"), true);
  const entryAbs = resolvePath(entryPath);
  const entry = load(entryAbs, false, entryText);
  return { entry, prelude, optim, files, diagnostics, sources };
}
