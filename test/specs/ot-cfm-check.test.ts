// `flowc check specs/ot-cfm.flow --fast`: every claim of the OT-CFM spec holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/ot-cfm.flow", 5);
