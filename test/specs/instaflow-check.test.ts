// `flowc check specs/instaflow.flow --fast`: every claim of the instaflow spec (1-RF and its reflow) holds at the reduced budget
// (the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/instaflow.flow", 4);
