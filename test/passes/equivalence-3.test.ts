// Shard 3 of the pass-equivalence check (test/passes/equivalence.ts).

import { checkOptimizedGraphs } from "./equivalence.js";

checkOptimizedGraphs(2);
