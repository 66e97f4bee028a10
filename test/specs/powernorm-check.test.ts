// `flowc check specs/powernorm.flow --fast`: every claim of the PowerNorm spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/powernorm.flow", 4);
