// `flowc check specs/arflow.flow --fast`: every claim of the ARFlow spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/arflow.flow", 6);
