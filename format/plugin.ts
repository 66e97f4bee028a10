// The prettier plugin for .flow files. Prettier loads it from a config file
// (`"plugins": ["./dist/format/plugin.js"]`, or `flowc/prettier-plugin` from another package);
// `flowc fmt` passes it to prettier's `format` directly (format/format.ts). docs/format.md
// describes the style it prints.

import type { Plugin, SupportLanguage } from "prettier";
import { parseFlow } from "./parse.js";
import { end, start, type FlowNode } from "./nodes.js";
import { printer } from "./print/printer.js";

export const languages: SupportLanguage[] = [
  { name: "flowc", parsers: ["flowc"], extensions: [".flow"], vscodeLanguageIds: ["flowc"] },
];

export const parsers: Plugin<FlowNode>["parsers"] = {
  flowc: { parse: parseFlow as never, astFormat: "flowc-ast", locStart: start, locEnd: end },
};

export const printers: Plugin<FlowNode>["printers"] = { "flowc-ast": printer };

/** The canonical style: 2-space indent, 100 columns (both overridable with prettier's options). */
export const defaultOptions: Plugin["defaultOptions"] = { printWidth: 100, tabWidth: 2, useTabs: false };

const plugin: Plugin<FlowNode> = { languages, parsers, printers, defaultOptions };
export default plugin;
