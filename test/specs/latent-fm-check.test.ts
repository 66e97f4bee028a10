// `flowc check specs/latent-fm.flow --fast`: every claim of the latent flow matching spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/latent-fm.flow", 8);
