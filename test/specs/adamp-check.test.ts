// `flowc check specs/adamp.flow --fast`: every claim of the AdamP / SGDP spec holds at the reduced budget
// (here the full one: the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/adamp.flow", 11);
