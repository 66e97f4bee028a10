// A stable, readable text dump of an ONNX model (for `flowc dump --stage onnx` and for tests):
// inputs and outputs with shapes, initializers by name and shape, and one line per node in the
// form `outputs = OpType(inputs) {attrs}  # source`.

import { decodeTensorBytes, elemTypeOfCode, onnx, toNumber, type IAttributeProto, type ITensorProto, type IValueInfoProto } from "./proto.js";

const ELEM_NAMES: Readonly<Record<number, string>> = { 1: "float32", 6: "int32", 7: "int64", 9: "bool", 11: "float64" };
/** Tensors with at most this many elements print their values. */
const MAX_PRINTED_VALUES = 8;

export function onnxGraphToText(bytes: Uint8Array): string {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  const opsets = model.opsetImport.map((o) => `${o.domain || "ai.onnx"}:${toNumber(o.version)}`).join(", ");
  const lines = [`model ir_version=${toNumber(model.irVersion)} opset=${opsets} producer=${model.producerName} ${model.producerVersion}`.trimEnd()];
  if (!graph) return lines.join("\n") + "\n";
  lines.push(`graph ${graph.name}`);
  for (const i of graph.input ?? []) lines.push(`  input ${valueInfoText(i)}`);
  for (const t of graph.initializer ?? []) lines.push(`  initializer ${t.name}: ${tensorTypeText(t)}`);
  for (const o of graph.output ?? []) lines.push(`  output ${valueInfoText(o)}`);
  for (const n of graph.node ?? []) {
    const attrs = (n.attribute ?? []).map(attributeText).join(", ");
    const source = n.docString ? `  # ${n.docString}` : "";
    lines.push(`  ${(n.output ?? []).join(", ")} = ${n.opType}(${(n.input ?? []).join(", ")})${attrs ? ` {${attrs}}` : ""}${source}`);
  }
  return lines.join("\n") + "\n";
}

function elemName(code: number | null | undefined): string {
  return ELEM_NAMES[code ?? 0] ?? `type${code ?? 0}`;
}

function valueInfoText(v: IValueInfoProto): string {
  const t = v.type?.tensorType;
  if (!t) return `${v.name}: <non-tensor>`;
  const dims = (t.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== null && d.dimValue !== undefined ? String(toNumber(d.dimValue)) : "?"));
  return `${v.name}: ${elemName(t.elemType)}[${dims.join(", ")}]`;
}

function tensorTypeText(t: ITensorProto): string {
  return `${elemName(t.dataType)}[${(t.dims ?? []).map((d) => toNumber(d)).join(", ")}]`;
}

function tensorValues(t: ITensorProto): number[] {
  const elem = elemTypeOfCode(t.dataType ?? 0);
  if (t.rawData && t.rawData.length > 0 && elem) return decodeTensorBytes(elem, t.rawData);
  if (t.floatData?.length) return t.floatData;
  if (t.int32Data?.length) return t.int32Data;
  if (t.int64Data?.length) return t.int64Data.map((v) => toNumber(v));
  return [];
}

function tensorText(t: ITensorProto): string {
  const values = tensorValues(t);
  const shown = values.length <= MAX_PRINTED_VALUES ? ` [${values.join(", ")}]` : "";
  return `${tensorTypeText(t)}${shown}`;
}

function attributeText(a: IAttributeProto): string {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case T.INT:
      return `${a.name}=${toNumber(a.i)}`;
    case T.INTS:
      return `${a.name}=[${(a.ints ?? []).map((v) => toNumber(v)).join(", ")}]`;
    case T.FLOAT:
      return `${a.name}=${a.f}`;
    case T.STRING:
      return `${a.name}=${JSON.stringify(new TextDecoder().decode(a.s ?? new Uint8Array()))}`;
    case T.TENSOR:
      return `${a.name}=${a.t ? tensorText(a.t) : "<tensor>"}`;
    default:
      return `${a.name}=<${T[a.type ?? 0] ?? "attribute"}>`;
  }
}
