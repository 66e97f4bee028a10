// `flowc check specs/boss.flow --fast`: every claim of the BOSS spec (Bellman optimal step sizes of
// a 1-rectified flow for 2 and 4 NFE, and straightening to them) holds at the reduced budget (the
// thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/boss.flow", 6);
