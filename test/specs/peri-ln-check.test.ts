// `flowc check specs/peri-ln.flow --fast`: every claim of the Peri-LN spec holds at the reduced
// budget (three trainings of 100 steps; the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/peri-ln.flow", 8);
