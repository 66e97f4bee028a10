// `flowc check specs/rectified-flow.flow --fast`: every claim of the rectified-flow spec (1-RF and its reflow) holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/rectified-flow.flow", 5);
