// `flowc check specs/layernorm.flow --fast`: every claim of the Layer Normalization spec holds at the
// reduced budget (here the full one: the thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/layernorm.flow", 11);
