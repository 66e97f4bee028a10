// Where the CLI writes: the real process streams, or buffers in tests.

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (colors, progress bars). */
  readonly color: boolean;
}

export const processIO: CliIO = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  color: Boolean(process.stderr.isTTY) && !process.env["NO_COLOR"],
};

export function bufferIO(): CliIO & { stdout: () => string; stderr: () => string } {
  let o = "";
  let e = "";
  return { out: (t) => void (o += t), err: (t) => void (e += t), color: false, stdout: () => o, stderr: () => e };
}
