// The names a module body declares, shared by name resolution (which binds them for the body) and
// the elaborator (which names them in "no member" messages).

import type * as A from "../../grammar/ast.js";

/**
 * Parameters, state, sub-modules, lets, and named functions, losses and samplers, in declaration
 * order, from both branches of every `if` (which branch exists depends on hyper-parameters).
 */
export function declaredMemberNames(items: readonly A.ModuleItem[]): string[] {
  const names: string[] = [];
  for (const item of items) {
    switch (item.kind) {
      case "IfItem":
        names.push(...declaredMemberNames(item.then), ...declaredMemberNames(item.else ?? []));
        break;
      case "FnDecl":
      case "LossDecl":
        if (item.name) names.push(item.name.name);
        break;
      case "Assert":
        break;
      default:
        names.push(item.name.name);
    }
  }
  return names;
}
