// Shard 1 of the pass-equivalence check (test/passes/equivalence.ts).

import { checkOptimizedGraphs } from "./equivalence.js";

checkOptimizedGraphs(0);
