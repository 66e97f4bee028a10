// The user's data files, `file("points.npy")`: NumPy .npy arrays, safetensors files and CSV tables
// of points [rows, features], with integer labels beside them for `labeled(...)`. The compiler reads
// what it needs to type the source (compiler/elaborate/pipeline-builtins.ts): the header of a .npy
// or safetensors file (dtype and shape, not the data), the labels when labels are asked for (to
// check that they are integers and count the classes), and a CSV table whole (text has no header
// that gives its size, and every cell is checked before a training starts). It hashes each file's
// bytes (SHA-256, streamed) so that the spec hash, and with it the checkpoint cache, changes when a
// file's content does. The runtime reads the rows (runtime/data/file.ts) and checks the hash again.
//
// Formats: .npy as numpy.save writes it (format 1.0 to 3.0: "\x93NUMPY", version, header length,
// a Python dict literal with 'descr', 'fortran_order', 'shape'; then the raw C-order data);
// safetensors as huggingface/safetensors documents it (8-byte little-endian header length, a JSON
// header of {dtype, shape, data_offsets} per tensor, then the bytes); CSV (RFC 4180) parsed by the
// npm package csv-parse.

import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { relative } from "node:path";
import { parse as parseCsv, CsvError } from "csv-parse/sync";
import type { DiagnosticCode } from "../diagnostics/codes.js";

/**
 * What is wrong with a data file: the diagnostic code, a sentence for the user, and what to do.
 * The compiler reports it at the `file(...)` call; the runtime as a RunError.
 */
export class DataFileError extends Error {
  constructor(
    readonly code: DiagnosticCode,
    message: string,
    readonly help?: string,
    /** The argument of `file(...)` the error is about, for the diagnostic's span. */
    readonly argument: DataFileArgument = "path",
  ) {
    super(message);
  }
}

export type DataFileArgument = "path" | "tensor" | "columns" | "labels";

/** Runs `f`, blaming the errors it throws about the file on `argument` (the labels, the columns...). */
function about<T>(argument: DataFileArgument, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DataFileError && e.argument === "path") throw new DataFileError(e.code, e.message, e.help, argument);
    throw e;
  }
}

export type DataFileFormat = "npy" | "safetensors" | "csv";

/** The format of a data file by its extension, if it is one flowc reads. */
export function dataFileFormat(path: string): DataFileFormat | undefined {
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  return ext === "npy" ? "npy" : ext === "safetensors" ? "safetensors" : ext === "csv" ? "csv" : undefined;
}

// ---- element types

export type ElementKind = "float" | "int" | "bool";

export interface ElementType {
  readonly kind: ElementKind;
  /** numpy's name of the type. */
  readonly name: string;
  readonly bytes: number;
  readonly read: (view: DataView, at: number) => number;
}

const f32: ElementType = { name: "float32", kind: "float", bytes: 4, read: (v, at) => v.getFloat32(at, true) };
const f64: ElementType = { name: "float64", kind: "float", bytes: 8, read: (v, at) => v.getFloat64(at, true) };
const i8: ElementType = { name: "int8", kind: "int", bytes: 1, read: (v, at) => v.getInt8(at) };
const u8: ElementType = { name: "uint8", kind: "int", bytes: 1, read: (v, at) => v.getUint8(at) };
const i16: ElementType = { name: "int16", kind: "int", bytes: 2, read: (v, at) => v.getInt16(at, true) };
const u16: ElementType = { name: "uint16", kind: "int", bytes: 2, read: (v, at) => v.getUint16(at, true) };
const i32: ElementType = { name: "int32", kind: "int", bytes: 4, read: (v, at) => v.getInt32(at, true) };
const i64: ElementType = { name: "int64", kind: "int", bytes: 8, read: (v, at) => Number(v.getBigInt64(at, true)) };
const bool: ElementType = { name: "bool", kind: "bool", bytes: 1, read: (v, at) => v.getUint8(at) };

/** The .npy dtypes flowc reads (little-endian, as numpy.save writes them on x86 and ARM). */
export const NPY_DTYPES: Readonly<Record<string, ElementType>> = { "<f4": f32, "<f8": f64, "|i1": i8, "|u1": u8, "<i2": i16, "<u2": u16, "<i4": i32, "<i8": i64, "|b1": bool };
/** The safetensors dtypes flowc reads. */
export const SAFETENSORS_DTYPES: Readonly<Record<string, ElementType>> = { F32: f32, F64: f64, I8: i8, U8: u8, I16: i16, U16: u16, I32: i32, I64: i64, BOOL: bool };

// ---- .npy

export interface NpyHeader {
  readonly descr: string;
  readonly shape: readonly number[];
  /** Byte offset of the data. */
  readonly dataOffset: number;
}

/** The number of bytes of a .npy file's header given its first 12 bytes (throws when it is no .npy file). */
function npyHeaderEnd(prefix: Uint8Array): number {
  const b = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (b.length < 10 || b.toString("latin1", 0, 6) !== "\x93NUMPY")
    throw new DataFileError("E0714", "is not a .npy file (it does not start with \\x93NUMPY)", "save the array with numpy.save");
  const major = b[6]!;
  if (major < 1 || major > 3) throw new DataFileError("E0714", `has .npy format version ${major}, which flowc does not read (1.0 to 3.0)`, "save the array with numpy.save");
  if (major > 1 && b.length < 12) throw new DataFileError("E0714", "ends inside its .npy header");
  return major === 1 ? 10 + b.readUInt16LE(8) : 12 + b.readUInt32LE(8);
}

/** Parses a .npy header from the file's first bytes (at least up to the end of the header). */
export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const end = npyHeaderEnd(bytes);
  if (bytes.length < end) throw new DataFileError("E0714", "ends inside its .npy header");
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = b[6]!;
  const header = b.toString(major === 3 ? "utf8" : "latin1", major === 1 ? 10 : 12, end);
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw new DataFileError("E0714", `has a .npy header flowc cannot read: ${header.trim()}`, "save the array with numpy.save");
  if (fortran === "True") throw new DataFileError("E0714", "holds its array in Fortran order", "save it in C order: numpy.save(path, numpy.ascontiguousarray(x))");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new DataFileError("E0714", `has a .npy header with the shape (${shapeText}), which is not a list of sizes`);
  return { descr, shape, dataOffset: end };
}

// ---- safetensors

export interface SafetensorsEntry {
  readonly dtype: string;
  readonly shape: readonly number[];
  /** Byte range of the data, relative to the start of the data (after the header). */
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  readonly tensors: Readonly<Record<string, SafetensorsEntry>>;
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data: 8 + the header's length. */
  readonly dataOffset: number;
}

/** The safetensors reference implementation refuses headers over 100 MB; so does flowc. */
const MAX_SAFETENSORS_HEADER = 100_000_000;

function safetensorsHeaderEnd(prefix: Uint8Array): number {
  if (prefix.length < 8) throw new DataFileError("E0714", "is not a safetensors file: it is shorter than the 8 bytes of its header length", "save the tensors with safetensors' save_file");
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(MAX_SAFETENSORS_HEADER)) throw new DataFileError("E0714", `is not a safetensors file: its header length (${length} bytes) is not plausible`, "save the tensors with safetensors' save_file");
  return 8 + Number(length);
}

/**
 * Parses a safetensors header from the file's first bytes; `fileSize` (when known) checks that
 * every tensor's bytes lie in the file.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, fileSize?: number): SafetensorsHeader {
  const end = safetensorsHeaderEnd(bytes);
  if (bytes.length < end || (fileSize !== undefined && fileSize < end)) throw new DataFileError("E0714", "is not a safetensors file: its header length exceeds the file", "save the tensors with safetensors' save_file");
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, end - 8).toString("utf8"));
  } catch (e) {
    throw new DataFileError("E0714", `is not a safetensors file: its header is not JSON (${e instanceof Error ? e.message : String(e)})`, "save the tensors with safetensors' save_file");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new DataFileError("E0714", "is not a safetensors file: its header is not a JSON object");
  const tensors: Record<string, SafetensorsEntry> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = (info ?? {}) as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const sizes = Array.isArray(shape) && shape.every((d) => Number.isInteger(d) && d >= 0) ? (shape as number[]) : undefined;
    const range = Array.isArray(data_offsets) && data_offsets.length === 2 && data_offsets.every((d) => Number.isInteger(d) && d >= 0) ? (data_offsets as [number, number]) : undefined;
    if (typeof dtype !== "string" || !sizes || !range || range[1] < range[0])
      throw new DataFileError("E0714", `is not a safetensors file: the header entry of \`${name}\` is not {dtype, shape, data_offsets}`);
    if (fileSize !== undefined && end + range[1] > fileSize) throw new DataFileError("E0714", `is cut short: the bytes of \`${name}\` end past the end of the file`);
    const type = SAFETENSORS_DTYPES[dtype];
    if (type && range[1] - range[0] !== sizes.reduce((a, b) => a * b, 1) * type.bytes)
      throw new DataFileError("E0714", `is not a safetensors file: \`${name}\` has ${range[1] - range[0]} bytes, not the ${sizes.reduce((a, b) => a * b, 1) * type.bytes} of ${dtype} [${sizes.join(", ")}]`);
    tensors[name] = { dtype, shape: sizes, begin: range[0], end: range[1] };
  }
  return { tensors, metadata, dataOffset: end };
}

// ---- reading files

/** Reads the first bytes of a file: `upTo(prefix)` says how many are needed given the first `first`. */
function readHead(path: string, first: number, upTo: (prefix: Uint8Array) => number): { bytes: Uint8Array; size: number } {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(first, size));
    readSync(fd, prefix, 0, prefix.length, 0);
    const need = Math.min(upTo(prefix), size);
    if (need <= prefix.length) return { bytes: prefix, size };
    const bytes = Buffer.alloc(need);
    readSync(fd, bytes, 0, need, 0);
    return { bytes, size };
  } finally {
    closeSync(fd);
  }
}

function readable(path: string, shown: string): void {
  try {
    if (!statSync(path).isFile()) throw new Error();
  } catch {
    const where = relative(process.cwd(), path);
    throw new DataFileError("E0713", `the data file \`${shown}\` (${where.startsWith("..") ? path : where}) does not exist or cannot be read`, "paths are relative to the spec file; check the path and the file's permissions");
  }
}

const hashes = new Map<string, { size: number; mtime: number; sha256: string }>();

/** SHA-256 of a file's bytes (read in chunks; remembered per process while its size and mtime stay). */
export function fileSha256(path: string): string {
  const stat = statSync(path);
  const known = hashes.get(path);
  if (known && known.size === stat.size && known.mtime === stat.mtimeMs) return known.sha256;
  const hash = createHash("sha256");
  const fd = openSync(path, "r");
  try {
    const chunk = Buffer.alloc(1 << 22);
    for (let read; (read = readSync(fd, chunk, 0, chunk.length, null)) > 0; ) hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  const sha256 = hash.digest("hex");
  hashes.set(path, { size: stat.size, mtime: stat.mtimeMs, sha256 });
  return sha256;
}

// ---- a data file's tensors

/** Where a source's points and labels are: the file, and in it a tensor or columns. */
export interface DataFileRequest {
  /** Absolute path of the file of points. */
  readonly path: string;
  /** The path as the spec writes it, for messages. */
  readonly shown: string;
  /** safetensors: the tensor of points (default: the file's only tensor). */
  readonly tensor?: string;
  /** CSV: the columns of the points, by header name or 0-based position (default: all but the labels'). */
  readonly columns?: readonly (string | number)[];
  /**
   * Where the labels are: for .npy the absolute path of a second .npy file (`labelsShown` as
   * written), for safetensors a tensor, for CSV a column (by header name or position).
   */
  readonly labels?: string | number;
  readonly labelsShown?: string;
}

/** What the compiler learns of a data file. */
export interface DataFileInfo {
  readonly format: DataFileFormat;
  readonly rows: number;
  readonly features: number;
  /** CSV: the positions of the points' columns and of the labels' column. */
  readonly columns?: readonly number[];
  readonly labelColumn?: number;
  /** The labels (when asked for), checked to be integers of [0, 2^31). */
  readonly labels?: Int32Array;
}

/** Shape and type of one stored tensor, for the checks common to .npy and safetensors. */
function checkPoints(what: string, dtype: string, type: ElementType | undefined, shape: readonly number[]): void {
  if (!type || type.kind !== "float")
    throw new DataFileError("E0715", `${what} holds ${type ? type.name : dtype} values; points must be float32 or float64`, "convert them: numpy.save(path, x.astype(numpy.float32))");
  if (shape.length !== 2)
    throw new DataFileError("E0716", `${what} has the shape [${shape.join(", ")}]; points must be a matrix [rows, features]`, shape.length === 1 ? "save one feature per row as [rows, 1]: x.reshape(-1, 1)" : "flatten each row: x.reshape(len(x), -1)");
  if (shape[0] === 0 || shape[1] === 0) throw new DataFileError("E0716", `${what} has the shape [${shape.join(", ")}], which holds no points`);
}

function checkLabelShape(what: string, dtype: string, type: ElementType | undefined, shape: readonly number[], rows: number): void {
  if (!type || type.kind !== "int") throw new DataFileError("E0719", `${what} holds ${type ? type.name : dtype} values; labels must be integers (the class of each row, from 0)`, "save them as integers: y.astype(numpy.int64)");
  if (shape.length !== 1 || shape[0] !== rows)
    throw new DataFileError("E0719", `${what} has the shape [${shape.join(", ")}]; labels must be a vector of one class per row of the points ([${rows}])`);
}

/**
 * Reads `out.length` elements of `type` at `offset` of a file into `out` (float64 values rounded
 * to float32 when `out` is), in chunks, without reading the rest of the file.
 */
function readElements<T extends Float32Array | Float64Array>(path: string, offset: number, type: ElementType, out: T): T {
  const fd = openSync(path, "r");
  try {
    const perChunk = Math.max(1, Math.floor((1 << 22) / type.bytes));
    const bytes = Buffer.alloc(Math.min(out.length, perChunk) * type.bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let first = 0; first < out.length; first += perChunk) {
      const count = Math.min(perChunk, out.length - first);
      if (readSync(fd, bytes, 0, count * type.bytes, offset + first * type.bytes) !== count * type.bytes) throw new DataFileError("E0714", "is cut short: it ends inside its data");
      for (let i = 0; i < count; i++) out[first + i] = type.read(view, i * type.bytes);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function checkedLabels(what: string, values: Float64Array | readonly number[]): Int32Array {
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1)
      throw new DataFileError("E0719", `${what} gives row ${i} the label ${v}; labels are classes numbered from 0`, "number the classes 0, 1, 2, ... (e.g. numpy.unique(y, return_inverse=True)[1])");
    out[i] = v;
  }
  return out;
}

interface NpyLayout {
  readonly header: NpyHeader;
  readonly size: number;
}

function npyLayout(path: string, shown: string): NpyLayout {
  readable(path, shown);
  try {
    const { bytes, size } = readHead(path, 12, npyHeaderEnd);
    const header = parseNpyHeader(bytes);
    const type = NPY_DTYPES[header.descr];
    const count = header.shape.reduce((a, b) => a * b, 1);
    if (type && size - header.dataOffset !== count * type.bytes)
      throw new DataFileError("E0714", `holds ${size - header.dataOffset} bytes of data, not the ${count * type.bytes} its header (${header.descr}, shape (${header.shape.join(", ")})) says`, "save the array again with numpy.save");
    return { header, size };
  } catch (e) {
    throw located(e, shown);
  }
}

/** A DataFileError about a file gets the file's name in front ("`points.npy` is not a .npy file"). */
function located(e: unknown, shown: string): unknown {
  if (e instanceof DataFileError && !e.message.startsWith("the data file")) return new DataFileError(e.code, `\`${shown}\` ${e.message}`, e.help, e.argument);
  return e;
}

/**
 * What the compiler needs of a data file: its rows and features (from the header, or the parsed
 * CSV), and its labels when `labels` is given. Throws a DataFileError saying what is wrong.
 */
export function inspectDataFile(request: DataFileRequest): DataFileInfo {
  try {
    return inspect(request);
  } catch (e) {
    // A file that exists but cannot be opened or read (permissions, a directory in its place).
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (!(e instanceof DataFileError) && typeof code === "string" && code.startsWith("E"))
      throw new DataFileError("E0713", `the data file \`${request.shown}\` cannot be read (${code})`, "check the path and the file's permissions");
    throw e;
  }
}

function inspect(request: DataFileRequest): DataFileInfo {
  const format = dataFileFormat(request.path)!;
  switch (format) {
    case "npy": {
      const { header } = npyLayout(request.path, request.shown);
      checkPoints(`\`${request.shown}\``, header.descr, NPY_DTYPES[header.descr], header.shape);
      const rows = header.shape[0]!;
      const path = request.labels;
      if (typeof path !== "string") return { format, rows, features: header.shape[1]! };
      return about("labels", () => {
        const shown = request.labelsShown ?? path;
        const labels = npyLayout(path, shown);
        const type = NPY_DTYPES[labels.header.descr];
        checkLabelShape(`\`${shown}\``, labels.header.descr, type, labels.header.shape, rows);
        return { format, rows, features: header.shape[1]!, labels: checkedLabels(`\`${shown}\``, readElements(path, labels.header.dataOffset, type!, new Float64Array(rows))) };
      });
    }
    case "safetensors": {
      const { header } = safetensorsLayout(request.path, request.shown);
      const entry = about(request.tensor !== undefined ? "tensor" : "path", () => {
        const points = safetensorsTensor(header, request.tensor, request.shown, "points", request.labels as string | undefined);
        const entry = header.tensors[points]!;
        checkPoints(`the tensor \`${points}\` of \`${request.shown}\``, entry.dtype, SAFETENSORS_DTYPES[entry.dtype], entry.shape);
        return entry;
      });
      const rows = entry.shape[0]!;
      const labels = request.labels;
      if (typeof labels !== "string") return { format, rows, features: entry.shape[1]! };
      return about("labels", () => {
        const name = safetensorsTensor(header, labels, request.shown, "labels");
        const l = header.tensors[name]!;
        const type = SAFETENSORS_DTYPES[l.dtype];
        const what = `the tensor \`${name}\` of \`${request.shown}\``;
        checkLabelShape(what, l.dtype, type, l.shape, rows);
        return { format, rows, features: entry.shape[1]!, labels: checkedLabels(what, readElements(request.path, header.dataOffset + l.begin, type!, new Float64Array(rows))) };
      });
    }
    case "csv": {
      const table = csvTable(request.path, request.shown);
      const { columns, labelColumn } = csvColumns(table, request);
      const rows = table.cells.length;
      if (rows === 0) throw new DataFileError("E0716", `\`${request.shown}\` has no rows of data`);
      if (columns.length === 0) throw new DataFileError("E0717", `\`${request.shown}\` has no column of points besides its labels`, "give the columns of the points: `columns: [...]`");
      for (let r = 0; r < rows; r++) for (const c of [...columns, ...(labelColumn !== undefined ? [labelColumn] : [])]) csvNumber(table, r, c, request.shown);
      const labels =
        labelColumn !== undefined
          ? about("labels", () => checkedLabels(`the column \`${columnName(table, labelColumn)}\` of \`${request.shown}\``, table.cells.map((_, r) => csvNumber(table, r, labelColumn, request.shown))))
          : undefined;
      return { format, rows, features: columns.length, columns, ...(labelColumn !== undefined ? { labelColumn } : {}), ...(labels ? { labels } : {}) };
    }
  }
}

function safetensorsLayout(path: string, shown: string): { header: SafetensorsHeader; size: number } {
  readable(path, shown);
  try {
    const { bytes, size } = readHead(path, 8, safetensorsHeaderEnd);
    return { header: parseSafetensorsHeader(bytes, size), size };
  } catch (e) {
    throw located(e, shown);
  }
}

/** The name of the tensor asked for (or the file's only tensor besides the labels'). */
function safetensorsTensor(header: SafetensorsHeader, name: string | undefined, shown: string, role: "points" | "labels", besides?: string): string {
  const names = Object.keys(header.tensors);
  if (name !== undefined) {
    if (Object.hasOwn(header.tensors, name)) return name;
    throw new DataFileError("E0717", `\`${shown}\` has no tensor \`${name}\` (for the ${role})`, names.length ? `its tensors are ${names.map((n) => `\`${n}\``).join(", ")}` : "the file holds no tensors");
  }
  const candidates = names.filter((n) => n !== besides);
  if (candidates.length === 1) return candidates[0]!;
  throw new DataFileError("E0717", `\`${shown}\` holds ${candidates.length ? `${candidates.length} tensors` : "no tensor"}${besides !== undefined ? " besides the labels" : ""}, so say which holds the points`, candidates.length ? `name it: \`tensor: "${candidates[0]}"\` (its tensors are ${names.map((n) => `\`${n}\``).join(", ")})` : undefined);
}

// ---- CSV

export interface CsvTable {
  /** The header's names, when the first row is a header. */
  readonly names?: readonly string[];
  /** The cells of each data row, as text. */
  readonly cells: readonly (readonly string[])[];
  /** The line of each data row in the file (from 1), for messages. */
  readonly lines: readonly number[];
}

const tables = new Map<string, { sha256: string; table: CsvTable }>();

const isNumber = (cell: string) => cell.trim() !== "" && Number.isFinite(Number(cell));

/**
 * A CSV file's rows (comma-separated, RFC 4180 quoting, `#` comment lines and blank lines skipped;
 * a byte-order mark is ignored). The first row is a header when any of its cells is not a number.
 */
export function csvTable(path: string, shown: string): CsvTable {
  readable(path, shown);
  const sha256 = fileSha256(path);
  const known = tables.get(path);
  if (known?.sha256 === sha256) return known.table;
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(readFileSync(path), { bom: true, comment: "#", comment_no_infix: true, skip_empty_lines: true, trim: true, info: true }) as unknown as typeof records;
  } catch (e) {
    if (e instanceof CsvError) throw new DataFileError("E0714", `\`${shown}\` is not a CSV table flowc can read: ${e.message}`, "every row needs the same number of comma-separated cells; quote cells that contain commas");
    throw e;
  }
  const header = records.length > 0 && !records[0]!.record.every(isNumber);
  const data = header ? records.slice(1) : records;
  const table: CsvTable = { ...(header ? { names: records[0]!.record } : {}), cells: data.map((r) => r.record), lines: data.map((r) => r.info.lines) };
  tables.set(path, { sha256, table });
  return table;
}

function columnName(table: CsvTable, c: number): string {
  return table.names?.[c] ?? String(c);
}

function csvColumn(table: CsvTable, column: string | number, shown: string, role: string): number {
  const width = table.names?.length ?? table.cells[0]?.length ?? 0;
  if (typeof column === "number") {
    if (Number.isInteger(column) && column >= 0 && column < width) return column;
    throw new DataFileError("E0717", `\`${shown}\` has no column ${column} (for the ${role}): its columns are 0 to ${width - 1}`);
  }
  const at = table.names?.indexOf(column) ?? -1;
  if (at >= 0) return at;
  throw new DataFileError(
    "E0717",
    `\`${shown}\` has no column named \`${column}\` (for the ${role})`,
    table.names ? `its columns are ${table.names.map((n) => `\`${n}\``).join(", ")}` : "its first row is numbers, not a header; name columns by position from 0, or add a header row",
  );
}

function csvColumns(table: CsvTable, request: DataFileRequest): { columns: number[]; labelColumn?: number } {
  const labels = request.labels;
  const labelColumn = labels !== undefined ? about("labels", () => csvColumn(table, labels, request.shown, "labels")) : undefined;
  const width = table.names?.length ?? table.cells[0]?.length ?? 0;
  const given = request.columns;
  const columns = given ? about("columns", () => given.map((c) => csvColumn(table, c, request.shown, "points"))) : [...Array(width).keys()].filter((c) => c !== labelColumn);
  return { columns, ...(labelColumn !== undefined ? { labelColumn } : {}) };
}

function csvNumber(table: CsvTable, row: number, column: number, shown: string): number {
  const cell = table.cells[row]![column]!;
  if (isNumber(cell)) return Number(cell);
  throw new DataFileError(
    "E0718",
    `\`${shown}\` has ${cell.trim() === "" ? "an empty cell" : `\`${cell}\``} at line ${table.lines[row]}, column \`${columnName(table, column)}\`, where a number belongs`,
    "every cell of the points' and labels' columns must be a finite number; fix or drop that row, or leave its column out with `columns: [...]`",
  );
}

// ---- the rows, for the runtime

/** A data file's points [rows, features] (float32) and labels, as the runtime draws them. */
export interface DataFileRows {
  readonly points: Float32Array;
  readonly labels?: Int32Array;
  readonly rows: number;
  readonly features: number;
}

/**
 * Reads every row of a data file (as `inspectDataFile` checked it): float64 points are rounded to
 * float32. `expectSha256` is the hash the compiler took: a file changed since then is refused.
 */
export function readDataFile(request: DataFileRequest, sha256: { readonly points: string; readonly labels?: string }): DataFileRows {
  const format = dataFileFormat(request.path)!;
  const changed = (path: string, shown: string, expected: string) => {
    if (fileSha256(path) !== expected)
      throw new DataFileError("E0714", `\`${shown}\` changed since the spec was compiled`, "run the command again: the spec hash includes the data files' contents");
  };
  readable(request.path, request.shown);
  changed(request.path, request.shown, sha256.points);
  if (format === "npy" && typeof request.labels === "string" && sha256.labels !== undefined) changed(request.labels, request.labelsShown ?? request.labels, sha256.labels);
  const info = inspectDataFile(request);
  const points = new Float32Array(info.rows * info.features);
  switch (format) {
    case "npy": {
      const { header } = npyLayout(request.path, request.shown);
      readElements(request.path, header.dataOffset, NPY_DTYPES[header.descr]!, points);
      break;
    }
    case "safetensors": {
      const { header } = safetensorsLayout(request.path, request.shown);
      const entry = header.tensors[safetensorsTensor(header, request.tensor, request.shown, "points", request.labels as string | undefined)]!;
      readElements(request.path, header.dataOffset + entry.begin, SAFETENSORS_DTYPES[entry.dtype]!, points);
      break;
    }
    case "csv": {
      const table = csvTable(request.path, request.shown);
      const columns = info.columns!;
      for (let r = 0; r < info.rows; r++) for (let j = 0; j < columns.length; j++) points[r * columns.length + j] = Number(table.cells[r]![columns[j]!]!);
      break;
    }
  }
  for (let i = 0; i < points.length; i++)
    if (!Number.isFinite(points[i]!))
      throw new DataFileError("E0714", `\`${request.shown}\` holds ${points[i]} at row ${Math.floor(i / info.features)}, feature ${i % info.features}; points must be finite float32 numbers`, "drop or fix the rows that are not finite");
  return { points, rows: info.rows, features: info.features, ...(info.labels ? { labels: info.labels } : {}) };
}

// ---- the description the manifest carries

/** The rows a source draws from: all, or one side of a fixed random split (`holdout`). */
export type FileSplit = "all" | "train" | "test";

/** The number of rows `holdout` (a fraction) keeps out of training: round(holdout · rows). */
export function heldOutRows(rows: number, holdout: number): number {
  return Math.round(holdout * rows);
}

/** A `file(...)` source as its DataSpec args: where its data are, their hashes and its split. */
export interface FileSource {
  readonly request: DataFileRequest;
  readonly sha256: { readonly points: string; readonly labels?: string };
  readonly rows: number;
  readonly holdout: number;
  readonly split: FileSplit;
}

export function fileSourceArgs(s: FileSource): Record<string, string | number> {
  const r = s.request;
  return {
    path: r.path,
    shown: r.shown,
    ...(r.tensor !== undefined ? { tensor: r.tensor } : {}),
    ...(r.columns !== undefined ? { columns: r.columns.join(",") } : {}),
    ...(r.labels !== undefined ? { labels: r.labels } : {}),
    ...(r.labelsShown !== undefined ? { labelsShown: r.labelsShown } : {}),
    sha256: s.sha256.points,
    ...(s.sha256.labels !== undefined ? { labelsSha256: s.sha256.labels } : {}),
    rows: s.rows,
    holdout: s.holdout,
    split: s.split,
  };
}

export function fileSourceOf(args: Readonly<Record<string, string | number | boolean>>): FileSource {
  const str = (k: string) => (typeof args[k] === "string" ? (args[k] as string) : undefined);
  const columns = str("columns");
  const labels = args["labels"];
  const request: DataFileRequest = {
    path: str("path")!,
    shown: str("shown")!,
    ...(str("tensor") !== undefined ? { tensor: str("tensor")! } : {}),
    // CSV columns are positions once compiled.
    ...(columns !== undefined ? { columns: columns.split(",").map(Number) } : {}),
    ...(typeof labels === "string" || typeof labels === "number" ? { labels } : {}),
    ...(str("labelsShown") !== undefined ? { labelsShown: str("labelsShown")! } : {}),
  };
  const labelsSha256 = str("labelsSha256");
  return { request, sha256: { points: str("sha256")!, ...(labelsSha256 !== undefined ? { labels: labelsSha256 } : {}) }, rows: Number(args["rows"]), holdout: Number(args["holdout"] ?? 0), split: (str("split") ?? "all") as FileSplit };
}

/** A file source for reports: its path as written, and the rows it draws from when split. */
export function fileSourceText(args: Readonly<Record<string, string | number | boolean>>): string {
  const s = fileSourceOf(args);
  if (s.split === "all") return s.request.shown;
  const test = heldOutRows(s.rows, s.holdout);
  return `${s.request.shown} (${s.split === "test" ? `the ${test} held-out` : `the ${s.rows - test} training`} rows of ${s.rows})`;
}
