// The flowc version recorded in manifests and printed by `flowc --version`.
export const FLOWC_VERSION = "0.1.0";
