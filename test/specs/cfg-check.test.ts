// `flowc check specs/cfg.flow --fast`: every claim of the classifier-free guidance spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/cfg.flow", 3);
