// `flowc check specs/rfpp.flow --fast`: every claim of the rfpp spec (one reflow is enough;
// U-shaped times + pseudo-Huber in 32-d) holds at the reduced budget (the thresholds and their
// calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/rfpp.flow", 4);
