// The safetensors format (huggingface/safetensors, docs "format"): an 8-byte little-endian header
// length, a JSON header mapping each tensor name to {dtype, shape, data_offsets} (plus an optional
// "__metadata__" map of strings), then the raw little-endian tensor bytes. Written by hand: the
// format is a few lines, and no maintained npm package implements it (the one named `safetensors`
// is an empty placeholder). The header is parsed by compiler/artifacts/data-files.ts, which also
// reads users' safetensors data files.

import type { HostTensor } from "./onnx.js";
import { parseSafetensorsHeader } from "../compiler/artifacts/data-files.js";

const DTYPES = { f32: "F32", i32: "I32", bool: "BOOL" } as const;

export function encodeSafetensors(tensors: Readonly<Record<string, HostTensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name]!;
    const bytes = t.data.byteLength;
    header[name] = { dtype: DTYPES[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, "utf8");
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name]!;
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  readonly tensors: Record<string, HostTensor>;
  readonly metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  const header = parseSafetensorsHeader(bytes, bytes.length);
  const tensors: Record<string, HostTensor> = {};
  for (const [name, { dtype, shape, begin, end }] of Object.entries(header.tensors)) {
    const slice = bytes.slice(header.dataOffset + begin, header.dataOffset + end); // a copy: aligned and owned
    switch (dtype) {
      case "F32":
        tensors[name] = { dtype: "f32", shape, data: new Float32Array(slice.buffer, slice.byteOffset, slice.byteLength / 4) };
        break;
      case "I32":
        tensors[name] = { dtype: "i32", shape, data: new Int32Array(slice.buffer, slice.byteOffset, slice.byteLength / 4) };
        break;
      case "BOOL":
        tensors[name] = { dtype: "bool", shape, data: new Uint8Array(slice.buffer, slice.byteOffset, slice.byteLength) };
        break;
      default:
        throw new Error(`unsupported safetensors dtype ${dtype} for ${name}`);
    }
  }
  return { tensors, metadata: { ...header.metadata } };
}
