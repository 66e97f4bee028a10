// `flowc check specs/adab2n.flow --fast`: every claim of the AdaB²N spec holds at the reduced
// budget, which for this spec is the full one (six trainings of 2000 steps on the continual-learning
// stream; the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/adab2n.flow", 3);
