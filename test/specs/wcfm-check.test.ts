// `flowc check specs/wcfm.flow --fast`: every claim of the W-CFM spec (W-CFM, with and without the
// Sinkhorn potentials, against I-CFM and OT-CFM in 32 dimensions) holds at the reduced budget (the
// thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/wcfm.flow", 7);
