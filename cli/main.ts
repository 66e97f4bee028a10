#!/usr/bin/env node
// The `flowc` command line.

import { Command, CommanderError, Option } from "commander";
import { FLOWC_VERSION } from "../compiler/version.js";
import { compileCommand, dumpCommand, infoCommand, runCommand } from "./commands.js";
import { sampleCommand, trainCommand } from "./train.js";
import { UsageError } from "./compile-spec.js";
import { checkCommand } from "./check.js";
import { fmtCommand } from "./fmt.js";
import { processIO, type CliIO } from "./io.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

function deviceOption(): Option {
  return new Option("--device <device>", "where graphs run: cpu, webgpu (Vulkan), cuda, or auto (a GPU provider when one starts)").choices(["cpu", "webgpu", "cuda", "auto"]).default("cpu");
}

function selectionOptions(cmd: Command): Command {
  return cmd
    .option("--model <name>", "compile only this model (repeatable)", collect)
    .option("--set <name=value>", "override a model hyper-parameter (repeatable)", collect)
    .option("--seed <n>", "seed of parameter initialization", "0");
}

export async function runCli(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let code = 0;
  const program = new Command()
    .name("flowc")
    .description("Compile .flow model specs to plain ONNX graphs and run them.")
    .version(FLOWC_VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText(
      "after",
      `
Examples:
  flowc run specs/transformer.flow --size B=2,T=8 --check   compile, run, compare with the reference interpreter
  flowc compile specs/mlp.flow -o build/mlp                 <model>.<fn>.onnx files and manifest.json
  flowc train specs/rectified-flow.flow --out runs/rf       train; --resume continues bit for bit
  flowc sample runs/rf -n 2000 --png samples.png            sample with the trained model
  flowc dump specs/mlp.flow --stage ir                      ast | typed | ir | opt | onnx
  flowc fmt --check specs std                               formatting check (as CI runs it)

Docs: docs/language.md, docs/training.md, docs/diagnostics.md`,
    );

  selectionOptions(program.command("compile").description("compile a spec into ONNX graphs and a manifest.json").argument("<spec>", "the .flow file"))
    .requiredOption("-o, --out <dir>", "output directory")
    .addOption(new Option("--params-as <how>", "store parameters as ONNX initializers or take them as graph inputs").choices(["initializers", "inputs"]).default("initializers"))
    .action(async (spec, flags) => void (code = await compileCommand(spec, flags, io)));

  selectionOptions(program.command("info").description("print the graphs of a spec with their inputs and outputs").argument("<spec>", "the .flow file"))
    .option("--json", "print the manifest as JSON")
    .option("--placement", "list the nodes ONNX Runtime's WebGPU provider would leave to the CPU (from the registry's measured support)")
    .action(async (spec, flags) => void (code = await infoCommand(spec, flags, io)));

  selectionOptions(program.command("dump").description("print one compiler stage as text").argument("<spec>", "the .flow file"))
    .addOption(
      new Option("--stage <stage>", "stage to print: ast, typed bindings, ir (elaborated graphs, training steps with their backward pass), opt (ir after the optimization passes), onnx")
        .choices(["ast", "typed", "ir", "opt", "onnx"])
        .makeOptionMandatory(),
    )
    .action(async (spec, flags) => void (code = await dumpCommand(spec, flags, io)));

  selectionOptions(program.command("run").description("compile a spec and run one of its graphs on example inputs").argument("<spec>", "the .flow file"))
    .option("--fn <name>", "the model function to run", "forward")
    .option("--size <NAME=N>", "size of a symbolic dimension, e.g. B=8 (repeatable, comma-separated)", collect)
    .option("--threads <n>", "ONNX Runtime intra-op threads", "1")
    .addOption(deviceOption())
    .option("--check", "compare with the float64 reference interpreter")
    .action(async (spec, flags) => void (code = await runCommand(spec, flags, io)));

  program
    .command("train")
    .description("train a spec's model with its `train` declaration, writing checkpoints and a loss curve")
    .argument("<spec>", "the .flow file")
    .option("-o, --out <dir>", "run directory (default: runs/<spec name>)")
    .option("--training <name>", "which `train` declaration (default: the first)")
    .option("--steps <n>", "total number of steps (default: the spec's `steps`)")
    .option("--lr <x>", "base learning rate (default: the optimizer's `lr`)")
    .option("--resume", "continue from the run directory's checkpoint, bit for bit")
    .option("--checkpoint-every <n>", "steps between checkpoints")
    .option("--cache <dir>", "where trainings this one learns from (reflow pairs) are trained and cached", ".flowc-cache")
    .option("--threads <n>", "ONNX Runtime intra-op threads", "1")
    .addOption(deviceOption())
    .option("--set <name=value>", "override a model hyper-parameter (repeatable)", collect)
    .option("--seed <n>", "seed of parameter initialization", "0")
    .action(async (spec, flags) => void (code = await trainCommand(spec, flags, io)));

  selectionOptions(program.command("check").description("train what the spec's claims need, measure every claim, and report").argument("<spec>", "the .flow file"))
    .option("--fast", "the reduced budget (each training's fast_steps, each claim's fast_samples), for CI")
    .option("-o, --out <dir>", "where the reports and plots go (default: runs/<spec name>/check)")
    .option("--cache <dir>", "where trained runs are cached, by spec hash", ".flowc-cache")
    .option("--claim <text>", "only the claims whose title contains this (repeatable)", collect)
    .option("--threads <n>", "ONNX Runtime intra-op threads", "1")
    .addOption(deviceOption())
    .action(async (spec, flags) => void (code = await checkCommand(spec, flags, io)));

  program
    .command("sample")
    .description("draw samples from a trained run with one of its model's samplers")
    .argument("<run>", "a run directory written by `flowc train`")
    .option("--sampler <name>", "a sampler of the run's model, with compile-time arguments other than its defaults as in 'euler(steps: 4)', or a graph name such as `rf1.euler(steps=2)` (default: the model's first)")
    .option("--input <name=values>", "a value for the sampler's tensor parameter <name>: comma-separated numbers (a vector) or a .npy file; checked against the declared type, whose free sizes (T of f32[T]) it sets (repeatable)", collect)
    .option("-n <count>", "number of samples", "1000")
    .option("--seed <n>", "seed of the sampler's noise (the same noise for every sampler of the model: compare them on one seed)", "0")
    .option("-o, --out <file>", "where to write the samples (.npy)")
    .option("--png <file>", "also write a scatter plot of the samples over the data (2-D only)")
    .option("--no-ema", "use the trained weights even when the run kept an EMA")
    .option("--threads <n>", "ONNX Runtime intra-op threads", "1")
    .addOption(deviceOption())
    .addHelpText(
      "after",
      `
A sampler's compile-time parameters take other values in parentheses (the sampler is rebuilt):
  flowc sample runs/rf --sampler 'euler(steps: 4)'                   4 Euler steps instead of the default
  flowc sample runs/rf --sampler 'dopri5(rtol: 1e-3, atol: 1e-3)'   a looser adaptive solve (its NFE is printed)
A sampler with tensor parameters, e.g. \`sampler euler_on(grid: f32[T]) -> f32[N, d]\`, is built
for the values --input gives it:
  flowc sample runs/rf1 --sampler euler_on --input grid=0,0.35,1     2 Euler steps, at t = 0, 0.35, 1
  flowc sample runs/rf1 --sampler euler_on --input grid=grid.npy     the values of numpy.save("grid.npy", ...)
A tensor the spec computes between stages (\`let grid2 = bellman_grid(...)\`) is not computed here:
\`flowc check\` prints its values, which --input takes.`,
    )
    .action(async (run, flags) => void (code = await sampleCommand(run, { ...flags, noEma: flags.ema === false }, io)));

  program
    .command("fmt")
    .description("format .flow files in place (directories: every .flow file below them)")
    .argument("<files...>", "the .flow files or directories")
    .option("--check", "change nothing; list the files that would change and exit 1 if any")
    .action(async (files, flags) => void (code = await fmtCommand(files, flags, io)));

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 1;
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n(run with --help for usage)\n`);
      return 1;
    }
    throw e;
  }
  return code;
}

// Run when executed as a program (not when imported by tests).
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith("/flowc") || process.argv[1]?.endsWith("cli/main.js")) {
  // `flowc info spec | head` closes stdout early: that is not an error.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  runCli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      process.stderr.write(`flowc: internal error: ${e instanceof Error ? e.message : String(e)}\nthis is a bug in flowc; please report it\n`);
      process.exitCode = 70;
    },
  );
}
