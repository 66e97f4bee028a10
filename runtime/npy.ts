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
