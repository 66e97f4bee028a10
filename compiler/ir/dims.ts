// Symbolic dimensions. A dimension is a polynomial with integer coefficients over symbolic sizes
// (B, T, ...), kept in a canonical form so that equality is structural: `2*B + T` equals `T + B*2`.
// Concrete sizes are polynomials with only a constant term. Division is exact division by a
// constant (e.g. `d / heads` once both are known). A size variable divided by a constant it may
// not be a multiple of (`T / 4`, a sequence cut into chunks of 4) is a **quotient size**: a symbol
// written `T/4`, which stands for a size T is 4 times; the canonical form multiplies it back
// (`4 * (T/4)` is `T`), so reshaping [B, T, d] to [B, T/4, 4, d] keeps the element count. That
// T is a multiple of 4 is a fact about the run-time input, checked when the graph runs (a reshape
// to a size that does not divide fails there). Anything else is rejected by the caller.

/** A monomial is a sorted list of symbol names, joined by "*": "" is the constant monomial. */
export type Dim = ReadonlyMap<string, number>;

const EMPTY: Dim = new Map();

export function dimConst(n: number): Dim {
  return n === 0 ? EMPTY : new Map([["", n]]);
}

export function dimSym(name: string): Dim {
  return new Map([[name, 1]]);
}

/** The base symbol and divisor of a quotient size `T/4`, or undefined for a plain symbol. */
export function quotientOf(symbol: string): { base: string; divisor: number } | undefined {
  const m = /^(.+)\/(\d+)$/.exec(symbol);
  return m ? { base: m[1]!, divisor: Number(m[2]) } : undefined;
}

/** `k · (T/k) · rest` becomes `T · rest`, as often as the coefficient allows. */
function multiplyBack(terms: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (let [key, c] of terms) {
    for (let changed = true; changed && key; ) {
      changed = false;
      const symbols = key.split("*");
      const i = symbols.findIndex((s) => {
        const q = quotientOf(s);
        return q !== undefined && c % q.divisor === 0;
      });
      if (i >= 0) {
        const q = quotientOf(symbols[i]!)!;
        symbols[i] = q.base;
        c /= q.divisor;
        key = symbols.sort().join("*");
        changed = true;
      }
    }
    out.set(key, (out.get(key) ?? 0) + c);
  }
  return out;
}

function normalize(terms: Map<string, number>): Dim {
  const merged = [...terms.keys()].some((k) => k.includes("/")) ? multiplyBack(terms) : terms;
  const out = new Map<string, number>();
  for (const key of [...merged.keys()].sort()) {
    const c = merged.get(key)!;
    if (c !== 0) out.set(key, c);
  }
  return out;
}

export function dimAdd(a: Dim, b: Dim, sign = 1): Dim {
  const out = new Map(a);
  for (const [k, c] of b) out.set(k, (out.get(k) ?? 0) + sign * c);
  return normalize(out);
}

export function dimSub(a: Dim, b: Dim): Dim {
  return dimAdd(a, b, -1);
}

export function dimMul(a: Dim, b: Dim): Dim {
  const out = new Map<string, number>();
  for (const [ka, ca] of a)
    for (const [kb, cb] of b) {
      const key = [...(ka ? ka.split("*") : []), ...(kb ? kb.split("*") : [])].sort().join("*");
      out.set(key, (out.get(key) ?? 0) + ca * cb);
    }
  return normalize(out);
}

/**
 * Exact division by a positive constant; a single size variable times a coefficient (`T`, `2*T`)
 * that the constant does not divide becomes a quotient size (`T / 4` is `T/4`, `2*T / 4` is
 * `T/2`); undefined for anything else whose coefficients are not divisible (`T + 1` by 2).
 */
export function dimDivConst(a: Dim, n: number): Dim | undefined {
  if (!Number.isInteger(n) || n <= 0) return undefined;
  const out = new Map<string, number>();
  for (const [k, c] of a) {
    if (c % n !== 0) return quotientSize(a, n);
    out.set(k, c / n);
  }
  return normalize(out);
}

function quotientSize(a: Dim, n: number): Dim | undefined {
  const [term, ...others] = [...a];
  if (!term || others.length > 0) return undefined;
  const [key, c] = term;
  if (!key || key.includes("*") || quotientOf(key)) return undefined;
  const g = gcd(Math.abs(c), n);
  return normalize(new Map([[`${key}/${n / g}`, c / g]]));
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The concrete size, or undefined when the dimension mentions a symbol. */
export function dimValue(d: Dim): number | undefined {
  if (d.size === 0) return 0;
  if (d.size === 1 && d.has("")) return d.get("")!;
  return undefined;
}

export function dimEquals(a: Dim, b: Dim): boolean {
  if (a.size !== b.size) return false;
  for (const [k, c] of a) if (b.get(k) !== c) return false;
  return true;
}

export function dimSymbols(d: Dim): string[] {
  const out = new Set<string>();
  for (const k of d.keys()) if (k) for (const s of k.split("*")) out.add(s);
  return [...out];
}

/** Substitutes concrete or symbolic values for symbols. */
export function dimSubstitute(d: Dim, env: ReadonlyMap<string, Dim>): Dim {
  let out: Dim = EMPTY;
  for (const [k, c] of d) {
    let term: Dim = dimConst(c);
    if (k) for (const s of k.split("*")) term = dimMul(term, env.get(s) ?? dimSym(s));
    out = dimAdd(out, term);
  }
  return out;
}

export function dimToString(d: Dim): string {
  if (d.size === 0) return "0";
  const parts: string[] = [];
  for (const [k, c] of d) {
    if (!k) parts.push(String(c));
    else if (c === 1) parts.push(k);
    else if (c === -1) parts.push(`-${k}`);
    else parts.push(`${c}*${k}`);
  }
  // Symbols first, constant last: "B + 1", not "1 + B".
  parts.sort((x, y) => Number(/^-?\d+$/.test(x)) - Number(/^-?\d+$/.test(y)));
  return parts.join(" + ").replace(/\+ -/g, "- ");
}

/** Evaluates a dimension given concrete symbol sizes; undefined if a symbol is unbound. */
export function dimEvaluate(d: Dim, sizes: ReadonlyMap<string, number>): number | undefined {
  let total = 0;
  for (const [k, c] of d) {
    let term = c;
    if (k)
      for (const s of k.split("*")) {
        const q = quotientOf(s);
        const v = q ? (sizes.get(q.base) ?? NaN) / q.divisor : sizes.get(s);
        if (v === undefined || !Number.isInteger(v)) return undefined;
        term *= v;
      }
    total += term;
  }
  return total;
}
