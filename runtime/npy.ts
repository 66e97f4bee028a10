// Writes NumPy .npy files (format version 1.0: magic, header dict padded to 64 bytes, raw
// little-endian data), so samples open with numpy.load.

import type { HostTensor } from "./onnx.js";
import { NPY_DTYPES, parseNpyHeader, type ElementKind } from "../compiler/artifacts/data-files.js";

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
  readonly kind: ElementKind;
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/**
 * Reads a NumPy .npy file (format 1.0, 2.0 or 3.0; C order; the little-endian dtypes of
 * compiler/artifacts/data-files.ts, which also parses the header). Throws an Error whose message
 * says what is wrong with the file, as a predicate: "is not a .npy file ...".
 */
export function decodeNpy(bytes: Buffer): NpyArray {
  const header = parseNpyHeader(bytes);
  const type = NPY_DTYPES[header.descr];
  if (!type) throw new Error(`has the dtype '${header.descr}', which flowc does not read (use float32, float64, an integer type or bool)`);
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (bytes.length - header.dataOffset !== count * type.bytes)
    throw new Error(`holds ${bytes.length - header.dataOffset} bytes of data, not the ${count * type.bytes} its header (${header.descr}, shape (${header.shape.join(", ")})) says`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, count * type.bytes);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = type.read(view, i * type.bytes);
  return { kind: type.kind, shape: header.shape, data };
}
