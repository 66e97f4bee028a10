// Which ONNX Runtime execution provider runs the graphs: the one place a device is chosen and
// checked. `cpu` always works. `webgpu` is bundled with onnxruntime-node (Dawn on Vulkan on Linux):
// it needs a Vulkan driver, a GPU vendor's or Mesa's software one (lavapipe). `cuda`'s libraries
// are not in the npm package at all. `auto` takes the first GPU provider that starts on a real GPU
// (software Vulkan is slower than the CPU provider, so auto does not count it) and else the CPU.
//
// A provider is tried once per process in a child process: a provider that cannot start makes
// Dawn and ONNX Runtime print native warnings (and could abort the process), and the user should
// see one line saying why and what to do instead. The child's verdict is cached.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { dimConst } from "../compiler/ir/dims.js";
import { GraphBuilder } from "../compiler/ir/builder.js";
import { tensorType } from "../compiler/ir/types.js";
import { lowerGraph } from "../compiler/onnx/lower.js";
import { RunError } from "./errors.js";

export const DEVICES = ["cpu", "webgpu", "cuda"] as const;
export type Device = (typeof DEVICES)[number];
export const DEVICE_REQUESTS = [...DEVICES, "auto"] as const;
export type DeviceRequest = (typeof DEVICE_REQUESTS)[number];

export interface DeviceChoice {
  readonly device: Device;
  readonly requested: DeviceRequest;
  /** One line for the user: the device and, for `auto`, why it was picked. */
  readonly summary: string;
}

/** Checks a `--device` value (the CLI's choices, or a programmatic caller's string). */
export function parseDeviceRequest(raw: string | undefined): DeviceRequest {
  if (raw === undefined) return "cpu";
  const found = DEVICE_REQUESTS.find((d) => d === raw);
  if (!found) throw new RunError(`--device expects one of ${DEVICE_REQUESTS.join(", ")}, got \`${raw}\``);
  return found;
}

/** The device a request resolves to; throws a one-line RunError when an explicit provider cannot start. */
export function selectDevice(request: DeviceRequest = "cpu"): Promise<DeviceChoice> {
  let pending = choices.get(request);
  if (!pending) {
    pending = choose(request);
    choices.set(request, pending);
    pending.catch(() => choices.delete(request));
  }
  return pending;
}

const choices = new Map<DeviceRequest, Promise<DeviceChoice>>();

async function choose(request: DeviceRequest): Promise<DeviceChoice> {
  if (request === "cpu") return { device: "cpu", requested: request, summary: "cpu" };
  if (request === "webgpu" || request === "cuda") {
    const probe = await probeProvider(request, false);
    if (!probe.ok) throw new RunError(`--device ${request}: ${probe.reason}`);
    // Software Vulkan runs everything correctly but slower than the CPU provider: say so.
    const software = request === "webgpu" && !(await probeProvider("webgpu", true)).ok;
    return { device: request, requested: request, summary: software ? "webgpu (software Vulkan: no GPU driver found; slower than --device cpu)" : request };
  }
  const refused: string[] = [];
  for (const device of ["cuda", "webgpu"] as const) {
    const probe = await probeProvider(device, true);
    if (!probe.ok) {
      refused.push(`${device}: ${probe.short}`);
      continue;
    }
    // WebGPU was checked on a hardware driver: keep software Vulkan out of this process's choice too.
    if (device === "webgpu") hideSoftwareVulkan(process.env);
    return { device, requested: request, summary: `${device} (picked by --device auto${refused.length ? `; ${refused.join("; ")}` : ""})` };
  }
  return { device: "cpu", requested: request, summary: `cpu (--device auto found no GPU provider that starts: ${refused.join("; ")})` };
}

// --- probing --------------------------------------------------------------------------------

type Probe = { readonly ok: true } | { readonly ok: false; readonly reason: string; readonly short: string };

const probes = new Map<string, Promise<Probe>>();

/**
 * Starts `device`'s provider in a child process on a small graph and checks its result. With
 * `hardwareOnly`, software Vulkan drivers are hidden from the Vulkan loader, so WebGPU starts only
 * on a real GPU.
 */
export function probeProvider(device: "webgpu" | "cuda", hardwareOnly: boolean): Promise<Probe> {
  const key = `${device}:${hardwareOnly}`;
  let pending = probes.get(key);
  if (!pending) {
    pending = runProbe(device, hardwareOnly);
    probes.set(key, pending);
  }
  return pending;
}

/** The Vulkan loader setting that hides Mesa's lavapipe and Google's SwiftShader (software Vulkan). */
export const HIDE_SOFTWARE_VULKAN = "*lvp_icd*,*swiftshader*";

/** Tells the Vulkan loader (through `env`, read when Dawn starts) not to load software drivers. */
function hideSoftwareVulkan(env: NodeJS.ProcessEnv): void {
  const current = env["VK_LOADER_DRIVERS_DISABLE"];
  if (!current?.includes(HIDE_SOFTWARE_VULKAN)) env["VK_LOADER_DRIVERS_DISABLE"] = [current, HIDE_SOFTWARE_VULKAN].filter(Boolean).join(",");
}

const requireCjs = createRequire(import.meta.url);

/** The folder of onnxruntime-node's native libraries for this platform. */
export function ortBinaryFolder(): string {
  return join(dirname(requireCjs.resolve("onnxruntime-node")), "..", "bin", "napi-v6", process.platform, process.arch);
}

const CUDA_MISSING =
  "ONNX Runtime's CUDA provider is not installed: the onnxruntime-node npm package leaves its libraries out " +
  "(and this project's .npmrc skips fetching them). Where api.nuget.org is reachable, fetch them with " +
  "`ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` " +
  "(they need CUDA 12 and cuDNN 9 on the library path), or use --device webgpu";

const VULKAN_MISSING =
  "the WebGPU provider found no Vulkan device. Install a Vulkan driver: your GPU vendor's (NVIDIA's driver ships one), " +
  "or software Vulkan for testing (Debian/Ubuntu: `apt-get install libvulkan1 mesa-vulkan-drivers`; on Debian bookworm " +
  "take mesa-vulkan-drivers from bookworm-backports, bookworm's own Mesa 22 is too old); or use --device cpu";

// The child: starts the provider on the probe graph, runs it, prints one JSON line. It writes
// nothing else to stdout; Dawn's and ONNX Runtime's own messages go to its stderr, which is dropped.
const CHILD = `
const [ortPath, ep, model] = process.argv.slice(1);
const ort = require(ortPath);
ort.env.logLevel = "fatal";
const say = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
(async () => {
  const session = await ort.InferenceSession.create(Buffer.from(model, "base64"), { executionProviders: [ep], logSeverityLevel: 4 });
  const r = await session.run({ x: new ort.Tensor("float32", Float32Array.of(1, 2, 3, 4), [2, 2]) });
  say({ ok: true, y: Array.from(r.y.data) });
})().catch((e) => say({ ok: false, message: String((e && e.message) || e) }));
`;

/** y = x·x + x on a 2×2 input: [[8, 12], [18, 26]] for x = [[1, 2], [3, 4]]. */
function probeModel(): Uint8Array {
  const b = new GraphBuilder("probe");
  const type = tensorType("f32", [dimConst(2), dimConst(2)]);
  const x = b.input("x", type, "input");
  b.output("y", b.emit1("add", [b.emit1("matmul", [x, x]), x]));
  return lowerGraph(b.finish(), { paramsAs: "inputs" });
}

const PROBE_EXPECTED = [8, 12, 18, 26];

async function runProbe(device: "webgpu" | "cuda", hardwareOnly: boolean): Promise<Probe> {
  if (device === "cuda" && !existsSync(join(ortBinaryFolder(), "libonnxruntime_providers_cuda.so")))
    return { ok: false, reason: CUDA_MISSING, short: "its provider libraries are not installed" };
  const env = { ...process.env };
  if (hardwareOnly) hideSoftwareVulkan(env);
  const args = ["-e", CHILD, requireCjs.resolve("onnxruntime-node"), device, Buffer.from(probeModel()).toString("base64")];
  const result = await new Promise<{ stdout: string; failure?: string }>((resolve) => {
    execFile(process.execPath, args, { env, timeout: 180_000, maxBuffer: 1 << 20 }, (error, stdout) => {
      const e = error as (Error & { signal?: string; killed?: boolean }) | null;
      resolve({ stdout: String(stdout), failure: e && !String(stdout).trim() ? (e.killed ? "did not start within 3 minutes" : `crashed while starting (${e.signal ?? e.message.split("\n")[0]})`) : undefined });
    });
  });
  if (result.failure) return { ok: false, reason: `the ${device} provider ${result.failure}`, short: result.failure };
  let verdict: { ok: boolean; y?: number[]; message?: string };
  try {
    verdict = JSON.parse(result.stdout.trim().split("\n").pop()!);
  } catch {
    return { ok: false, reason: `the ${device} provider's check printed no verdict`, short: "no verdict" };
  }
  if (!verdict.ok) {
    const message = ortReason(verdict.message ?? "");
    if (device === "webgpu" && /no supported adapters|failed to get a webgpu adapter/i.test(message))
      return { ok: false, reason: hardwareOnly ? VULKAN_MISSING.replace("no Vulkan device", "no hardware Vulkan device") : VULKAN_MISSING, short: hardwareOnly ? "no hardware Vulkan device" : "no Vulkan device" };
    if (device === "cuda") return { ok: false, reason: `the CUDA provider did not start (${message}); it needs CUDA 12 and cuDNN 9 on the library path (LD_LIBRARY_PATH)`, short: message };
    return { ok: false, reason: `the ${device} provider did not start: ${message}`, short: message };
  }
  const y = verdict.y ?? [];
  if (y.length !== PROBE_EXPECTED.length || y.some((v, i) => Math.abs(v - PROBE_EXPECTED[i]!) > 1e-4))
    return { ok: false, reason: `the ${device} provider started but computed a wrong result on a 2×2 check ([${y.join(", ")}], expected [${PROBE_EXPECTED.join(", ")}])`, short: "wrong result on a check" };
  return { ok: true };
}

/** The readable part of an ONNX Runtime error: without the source path and the failed condition. */
export function ortReason(message: string): string {
  const first = message.trim().split("\n")[0] ?? "";
  const afterCondition = first.split(" was false. ").pop()!;
  return afterCondition.replace(/^\S*onnxruntime_src\S*\s+(\S+\s+)?/, "").trim() || first;
}
