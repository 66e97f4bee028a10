// Writes NumPy .npy files (format version 1.0: magic, header dict padded to 64 bytes, raw
// little-endian data), so samples open with numpy.load.

import type { HostTensor } from "./onnx.js";

export function encodeNpy(t: HostTensor): Buffer {
  const descr = t.dtype === "f32" ? "<f4" : t.dtype === "i32" ? "<i4" : "|b1";
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const prefix = Buffer.alloc(10);
  prefix.write("\x93NUMPY", 0, "latin1");
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, "latin1"), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)]);
}

/** The values of a .npy file, as numbers, with its shape and the kind of its dtype. */
export interface NpyArray {
  readonly kind: "float" | "int" | "bool";
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

const NPY_TYPES: Record<string, { kind: NpyArray["kind"]; bytes: number; read: (b: Buffer, at: number) => number }> = {
  "<f4": { kind: "float", bytes: 4, read: (b, at) => b.readFloatLE(at) },
  "<f8": { kind: "float", bytes: 8, read: (b, at) => b.readDoubleLE(at) },
  "<i4": { kind: "int", bytes: 4, read: (b, at) => b.readInt32LE(at) },
  "<i8": { kind: "int", bytes: 8, read: (b, at) => Number(b.readBigInt64LE(at)) },
  "|b1": { kind: "bool", bytes: 1, read: (b, at) => b[at]! },
};

/**
 * Reads a NumPy .npy file (format 1.0, 2.0 or 3.0; C order; little-endian float32/64, int32/64 or
 * bool, the dtypes `numpy.save` writes for them). Throws an Error saying what is wrong with it.
 */
export function decodeNpy(bytes: Buffer): NpyArray {
  if (bytes.length < 10 || bytes.toString("latin1", 0, 6) !== "\x93NUMPY") throw new Error("not a .npy file (no \\x93NUMPY magic)");
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new Error(`.npy format version ${major} is not supported`);
  const start = major === 1 ? 10 : 12;
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const header = bytes.toString(major === 3 ? "utf8" : "latin1", start, start + headerLength);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`cannot read the .npy header ${header.trim()}`);
  const type = NPY_TYPES[descr];
  if (!type) throw new Error(`the dtype '${descr}' is not supported (use float32, float64, int32, int64 or bool)`);
  if (fortran === "True") throw new Error("the array is in Fortran order; save it in C order (numpy.ascontiguousarray)");
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = start + headerLength;
  if (bytes.length - body !== count * type.bytes) throw new Error(`the file holds ${bytes.length - body} bytes of data, not the ${count * type.bytes} its header (${descr}, shape (${shapeText})) says`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(bytes, body + i * type.bytes);
  return { kind: type.kind, shape, data };
}
