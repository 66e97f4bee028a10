// Lexical environments of the elaborator: a chain of frames mapping names to values. The root
// frame of a file falls back to the file's top-level declarations, imports, the prelude and
// builtins (resolved lazily by the elaborator).

import type { Value } from "./values.js";

export class Env {
  private readonly vars = new Map<string, Value>();
  constructor(
    readonly parent?: Env,
    private readonly fallback?: (name: string) => Value | undefined,
  ) {}

  child(): Env {
    return new Env(this);
  }

  define(name: string, value: Value): void {
    this.vars.set(name, value);
  }

  lookup(name: string): Value | undefined {
    return this.vars.get(name) ?? (this.parent ? this.parent.lookup(name) : this.fallback?.(name));
  }

  /** Whether the name is bound in this frame itself (not in a parent). */
  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys(), ...(this.parent?.names() ?? [])];
  }
}
