// Views of the tree that comment placement needs: the attachable children of a node in source
// order (looking through wrappers such as ParamDecl's `init`), and each node's parent.

import { isNode, type FlowNode } from "../nodes.js";

const ATTACHABLE = new Set([
  // declarations and module items
  "UseDecl", "UseName", "LetDecl", "FnDecl", "Attribute", "Param", "ModuleDecl", "ModelDecl", "DataDecl", "TrainDecl",
  "SamplerDecl", "ExpectDecl", "ConfigEntry", "ParamDecl", "SubmoduleDecl", "LetItem", "IfItem", "LossDecl",
  // types and dimensions
  "TensorType", "NamedType", "EnumType", "TupleType", "ListType", "DimName", "DimNumber", "DimBinary", "DimEllipsis",
  // expressions, arguments and index entries
  "Number", "String", "Bool", "Name", "Unary", "Binary", "Call", "Arg", "Index", "IndexExpr", "Slice", "NewAxis",
  "Ellipsis", "Member", "Tuple", "List", "ListComprehension", "Block", "If", "Lambda",
  // statements and patterns
  "Let", "Draw", "Set", "Assert", "PatName", "PatTuple",
]);

/** Identifiers and wrappers cannot hold comments: they are printed as part of their parent. */
export function canAttachComment(node: unknown): boolean {
  return isNode(node) && ATTACHABLE.has(node.kind);
}

const NOT_CHILDREN = new Set(["span", "opSpan", "comments"]);

/** Keys of a node that hold child objects (nodes, lists of nodes, or wrappers such as `init`). */
export function visitorKeys(node: object): string[] {
  return Object.entries(node)
    .filter(([key, value]) => !NOT_CHILDREN.has(key) && typeof value === "object" && value !== null)
    .map(([key]) => key);
}

const childCache = new WeakMap<object, FlowNode[]>();
const parentCache = new WeakMap<object, FlowNode>();

/** The attachable nodes directly below `node` (through wrappers), sorted by position. */
export function sortedChildren(node: object): FlowNode[] {
  let children = childCache.get(node);
  if (!children) {
    children = [];
    for (const key of visitorKeys(node)) {
      const value = (node as Record<string, unknown>)[key];
      for (const child of Array.isArray(value) ? value : [value]) {
        if (typeof child !== "object" || child === null) continue;
        if (canAttachComment(child)) children.push(child as FlowNode);
        else children.push(...sortedChildren(child));
      }
    }
    children.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    for (const child of children) parentCache.set(child, node as FlowNode);
    childCache.set(node, children);
  }
  return children;
}

const allCache = new WeakMap<object, FlowNode[]>();

/** Every attachable node of the tree, in source order (parents before their children). */
export function allNodes(root: FlowNode): FlowNode[] {
  const cached = allCache.get(root);
  if (cached) return cached;
  const out: FlowNode[] = [];
  const walk = (n: FlowNode) => {
    for (const child of sortedChildren(n)) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  allCache.set(root, out);
  return out;
}

/** The node's parent (after `allNodes(root)` or `sortedChildren(parent)` has visited it). */
export function parentOf(node: FlowNode): FlowNode | undefined {
  return parentCache.get(node);
}
