// The ONNX protobuf classes (onnx-proto is a CommonJS module exporting the `onnx` namespace) and
// small builders for the messages flowc emits. Tensors are always written as raw little-endian
// bytes; flowc never emits float64 tensors.

import onnxProto from "onnx-proto";

export const onnx = onnxProto.onnx;

export type INodeProto = import("onnx-proto").onnx.INodeProto;
export type ITensorProto = import("onnx-proto").onnx.ITensorProto;
export type IAttributeProto = import("onnx-proto").onnx.IAttributeProto;
export type IValueInfoProto = import("onnx-proto").onnx.IValueInfoProto;
export type IModelProto = import("onnx-proto").onnx.IModelProto;
export type ITensorShapeDimension = import("onnx-proto").onnx.TensorShapeProto.IDimension;

/** Element types flowc emits: the three IR dtypes plus int64 for shape tensors and indices. */
export type OnnxElemType = "f32" | "i32" | "bool" | "i64";

export const ONNX_DATA_TYPE: Readonly<Record<OnnxElemType, number>> = { f32: 1, i32: 6, bool: 9, i64: 7 };

const ELEM_BY_CODE = new Map<number, OnnxElemType>(Object.entries(ONNX_DATA_TYPE).map(([k, v]) => [v, k as OnnxElemType]));

export function elemTypeOfCode(code: number): OnnxElemType | undefined {
  return ELEM_BY_CODE.get(code);
}

/** Raw little-endian bytes of `values` as the given element type. */
export function tensorBytes(elem: OnnxElemType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  switch (elem) {
    case "f32":
      return new Uint8Array(Float32Array.from({ length: n }, (_, i) => values[i]!).buffer);
    case "i32":
      return new Uint8Array(Int32Array.from({ length: n }, (_, i) => values[i]!).buffer);
    case "i64":
      return new Uint8Array(BigInt64Array.from({ length: n }, (_, i) => BigInt(Math.trunc(values[i]!))).buffer);
    case "bool":
      return Uint8Array.from({ length: n }, (_, i) => (values[i] !== 0 ? 1 : 0));
  }
}

/** Decodes raw tensor bytes (as written by `tensorBytes`) back to numbers. */
export function decodeTensorBytes(elem: OnnxElemType, bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  switch (elem) {
    case "f32":
      for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getFloat32(i, true));
      break;
    case "i32":
      for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getInt32(i, true));
      break;
    case "i64":
      for (let i = 0; i + 8 <= bytes.length; i += 8) out.push(Number(view.getBigInt64(i, true)));
      break;
    case "bool":
      for (let i = 0; i < bytes.length; i++) out.push(view.getUint8(i));
      break;
  }
  return out;
}

export function tensorProto(name: string, elem: OnnxElemType, shape: readonly number[], values: ArrayLike<number>): ITensorProto {
  return { name, dataType: ONNX_DATA_TYPE[elem], dims: [...shape], rawData: tensorBytes(elem, values) };
}

/** int64 fields decode as Long objects when the `long` package is present. */
export function toNumber(x: number | { toNumber(): number } | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === "number" ? x : x.toNumber();
}
