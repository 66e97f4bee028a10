// `flowc check specs/flowformer.flow --fast`: every claim of the Flowformer spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/flowformer.flow", 3);
