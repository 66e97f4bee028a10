// Shared by the CLI commands: compile a spec with the selection options and report diagnostics.

import { compile, type CompileOptions, type CompileResult } from "../compiler/compile.js";
import { diagnostic, hasErrors, renderDiagnostics, type Diagnostic } from "../compiler/diagnostics/index.js";
import { NO_SPAN } from "../compiler/source.js";
import type { CliIO } from "./io.js";
import { parseDeviceRequest, selectDevice, type Device } from "../runtime/device.js";

export interface SelectionFlags {
  model?: string[];
  set?: string[];
  seed?: string;
  paramsAs?: string;
}

export class UsageError extends Error {}

/** Parses `--set name=value` into a hyper-parameter override (numbers, true/false, or strings). */
export function parseHyper(settings: readonly string[] = []): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const s of settings) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(s);
    if (!m) throw new UsageError(`--set expects name=value, got \`${s}\``);
    const raw = m[2]!;
    out[m[1]!] = raw === "true" ? true : raw === "false" ? false : raw !== "" && !Number.isNaN(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

export function parseSeed(raw: string | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--seed expects a non-negative integer, got \`${raw}\``);
  return n;
}

/**
 * The device of `--device` (default cpu), said on stdout unless it is the plain CPU. Throws a
 * RunError (one line) when the provider asked for cannot start.
 */
export async function chooseDevice(raw: string | undefined, io: CliIO): Promise<Device> {
  const choice = await selectDevice(parseDeviceRequest(raw));
  if (choice.requested !== "cpu") io.out(`device: ${choice.summary}\n`);
  return choice.device;
}

export function compileSpec(spec: string, flags: SelectionFlags, io: CliIO, extra: Partial<CompileOptions> = {}): CompileResult | undefined {
  const paramsAs = flags.paramsAs ?? "initializers";
  if (paramsAs !== "initializers" && paramsAs !== "inputs") throw new UsageError(`--params-as expects initializers or inputs, got \`${paramsAs}\``);
  const result = compile({
    entry: spec,
    seed: parseSeed(flags.seed),
    models: flags.model?.length ? flags.model : undefined,
    hyper: parseHyper(flags.set),
    paramsAs,
    ...extra,
  });
  report(result.diagnostics, result.sources, io);
  return hasErrors(result.diagnostics) ? undefined : result;
}

export function report(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, io: CliIO): void {
  if (diagnostics.length === 0) return;
  io.err(renderDiagnostics(diagnostics, (p) => sources.get(p), { color: io.color }) + "\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  if (errors) io.err(`\n${errors} error${errors === 1 ? "" : "s"}\n`);
}

export function usageDiagnostic(message: string): Diagnostic {
  return diagnostic("E0801", NO_SPAN, message, { help: "run `flowc --help` for usage" });
}
