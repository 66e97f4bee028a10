// How comments are printed. The printer prints every node's comments itself (rather than leaving it
// to prettier) so that the rules are in one place; with comments/attach.ts they are chosen so that
// formatting the output again gives the same output.
//
//  - A leading comment that ended its line in the source (a line comment, or a block comment on
//    its own line) ends its line; other leading block comments are followed by a space.
//  - A trailing comment that stood on its own line stays on its own line after the node's line;
//    a trailing line comment is moved to the end of the line; a trailing block comment follows
//    with a space.
//  - Dangling comments, which have no node on either side inside their brackets
//    (`f(/* nothing yet */)`, an empty module body), are printed by the node that holds the brackets.

import { doc, util, type Doc } from "prettier";
import type { FlowComment, FlowNode } from "../nodes.js";

const { breakParent, hardline, indent, join, lineSuffix, literalline } = doc.builders;

/** A line comment without trailing spaces; a block comment exactly as written, line by line. */
export function commentDoc(comment: FlowComment): Doc {
  comment.printed = true;
  if (comment.style === "line") return comment.text.trimEnd();
  return join(
    literalline,
    comment.text.split("\n").map((l) => l.replace(/\r$/, "")),
  );
}

const IGNORE = /^(?:\/\/\s*(?:flowc|prettier)-ignore\s*|\/\*\s*(?:flowc|prettier)-ignore\s*\*\/)$/;

/** `// flowc-ignore` or `// prettier-ignore` before a node leaves the node as written. */
export function hasIgnoreComment(node: FlowNode): boolean {
  return node.comments?.some((c) => c.leading && IGNORE.test(c.text.trimEnd())) ?? false;
}

/** A line comment, or a block comment alone on its line (or spanning lines): printed with a line break after it. */
export function endsLine(comment: FlowComment, text: string): boolean {
  if (comment.style === "line" || comment.text.includes("\n")) return true;
  return startsLine(comment, text) && util.hasNewline(text, comment.span.end);
}

/** Whether only spaces stand between the start of the comment's line (or of the file) and the comment. */
function startsLine(comment: FlowComment, text: string): boolean {
  const lineStart = text.lastIndexOf("\n", comment.span.start - 1) + 1;
  return /^[ \t\r]*$/.test(text.slice(lineStart, comment.span.start));
}

const blankLineAfter = (text: string, comment: FlowComment) => /^[ \t]*\r?\n[ \t]*\r?\n/.test(text.slice(comment.span.end));

/** Whether a leading comment puts its node on a new line (so assignments move the value down). */
export function hasLeadingLineComment(node: FlowNode, text: string): boolean {
  return (node.comments ?? []).some((c) => c.leading && endsLine(c, text));
}

/** The node's doc with its leading and trailing comments around it (those that `select` accepts). */
export function withComments(node: FlowNode, printed: Doc, text: string, select: (c: FlowComment) => boolean = () => true): Doc {
  const comments = node.comments?.filter(select);
  if (!comments?.length) return printed;
  const leading = comments.filter((c) => c.leading).map((c) => leadingComment(c, text));
  const trailing: Doc[] = [];
  let previous: PrintedTrailing | undefined;
  for (const c of comments.filter((c) => c.trailing)) {
    previous = trailingComment(c, text, previous);
    trailing.push(previous.doc);
  }
  return [leading, printed, trailing];
}

function leadingComment(comment: FlowComment, text: string): Doc {
  if (!endsLine(comment, text)) return [commentDoc(comment), " "];
  return [commentDoc(comment), hardline, blankLineAfter(text, comment) ? hardline : ""];
}

interface PrintedTrailing {
  readonly doc: Doc;
  readonly isBlock: boolean;
  readonly hasLineSuffix: boolean;
}

function trailingComment(comment: FlowComment, text: string, previous: PrintedTrailing | undefined): PrintedTrailing {
  const printed = commentDoc(comment);
  const isBlock = comment.style === "block";
  if ((previous?.hasLineSuffix && !previous.isBlock) || util.hasNewline(text, comment.span.start, { backwards: true })) {
    const blankBefore = util.isPreviousLineEmpty(text, comment.span.start);
    return { doc: lineSuffix([hardline, blankBefore ? hardline : "", printed]), isBlock, hasLineSuffix: true };
  }
  if (!isBlock || previous?.hasLineSuffix) return { doc: [lineSuffix([" ", printed]), isBlock ? "" : breakParent], isBlock, hasLineSuffix: true };
  return { doc: [" ", printed], isBlock, hasLineSuffix: false };
}

/** The node's dangling comments that `select` accepts, in source order. */
export function danglingComments(node: FlowNode, select: (c: FlowComment) => boolean = () => true): FlowComment[] {
  return (node.comments ?? []).filter((c) => !c.leading && !c.trailing && select(c));
}

/** Comments alone between brackets: `(/* c *\/)` on one line when they allow it, else one per line. */
export function printDanglingInBrackets(open: string, comments: readonly FlowComment[], close: string, spaced = false): Doc {
  if (comments.length === 0) return [open, close];
  const inline = comments.every((c) => c.style === "block" && !c.text.includes("\n"));
  const space = spaced ? " " : "";
  if (inline) return [open, space, join(" ", comments.map(commentDoc)), space, close];
  return [open, indent([hardline, printCommentLines(comments)]), hardline, close];
}

/** Comments one per line (the first without a line break before it), keeping single blank lines between them. */
export function printCommentLines(comments: readonly FlowComment[], text?: string): Doc {
  return comments.map((c, i) => [i > 0 ? hardline : "", commentDoc(c), text && i < comments.length - 1 && blankLineAfter(text, c) ? hardline : ""]);
}

/** Comments on their own lines, each preceded by a line break (for bodies that are always broken). */
export function printDanglingLines(comments: readonly FlowComment[]): Doc {
  return comments.map((c) => [hardline, commentDoc(c)]);
}
