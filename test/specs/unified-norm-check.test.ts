// `flowc check specs/unified-norm.flow --fast`: every claim of the Unified Normalization spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/unified-norm.flow", 5);
