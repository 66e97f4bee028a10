// `flowc fmt [--check] FILES...`: formats .flow files with the prettier plugin (format/), using the
// options of the repository's prettier configuration when there is one. Directories are searched
// for .flow files. A file that does not parse is reported with its diagnostic and left untouched.
//
// Exit code: 0 when every file is (now) formatted; 1 when a file does not parse or cannot be read,
// or, with --check, when a file would change.

import { readdirSync, readFileSync, renameSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import * as prettier from "prettier";
import { renderDiagnostic } from "../compiler/diagnostics/index.js";
import { formatFlow, type FormatOptions } from "../format/format.js";
import type { CliIO } from "./io.js";

export interface FmtFlags {
  check?: boolean;
}

export async function fmtCommand(paths: readonly string[], flags: FmtFlags, io: CliIO): Promise<number> {
  const files = paths.flatMap((p) => expand(p, io));
  let failed = files.length < paths.length ? 1 : 0;
  const changed: string[] = [];
  for (const file of files) {
    const outcome = await fmtFile(file, flags, io);
    if (outcome === "failed") failed++;
    else if (outcome === "changed") changed.push(file);
  }
  const n = (count: number) => `${count} file${count === 1 ? "" : "s"}`;
  if (flags.check) io.out(changed.length ? `${n(changed.length)} would be reformatted\n` : `${n(files.length)} already formatted\n`);
  else io.out(`formatted ${n(changed.length)} of ${n(files.length)}\n`);
  return failed > 0 || (flags.check && changed.length > 0) ? 1 : 0;
}

async function fmtFile(file: string, flags: FmtFlags, io: CliIO): Promise<"unchanged" | "changed" | "failed"> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    io.err(`error: cannot read ${file}: ${(e as Error).message}\n`);
    return "failed";
  }
  const result = await formatFlow(text, await optionsFor(file));
  if ("diagnostic" in result) {
    io.err(renderDiagnostic(result.diagnostic, (p) => (p === file ? text : undefined), { color: io.color }) + "\n");
    return "failed";
  }
  if (result.formatted === text) return "unchanged";
  if (flags.check) io.out(`would reformat ${file}\n`);
  else {
    writeAtomic(file, result.formatted);
    io.out(`formatted ${file}\n`);
  }
  return "changed";
}

/** The file's options from the repository's prettier configuration (its plugin list aside: we pass ours). */
async function optionsFor(file: string): Promise<FormatOptions> {
  const config = (await prettier.resolveConfig(file, { editorconfig: true })) ?? {};
  const { printWidth, tabWidth, useTabs, endOfLine } = config;
  return { filepath: file, printWidth, tabWidth, useTabs, endOfLine };
}

/** A file as is; a directory as the .flow files below it (sorted); a missing path is reported. */
function expand(path: string, io: CliIO): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch {
    io.err(`error: no such file or directory: ${path}\n`);
    return [];
  }
  if (!isDirectory) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = join(path, entry.name);
    if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".")) out.push(...expand(child, io));
    else if (entry.isFile() && entry.name.endsWith(".flow")) out.push(child);
  }
  return out;
}

/** Temp file + rename in the same directory, keeping the file's mode: never a half-written spec. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.fmt-${process.pid}.tmp`;
  writeFileSync(tmp, text);
  chmodSync(tmp, statSync(path).mode);
  renameSync(tmp, path);
}
