// `flowc check specs/rectified-diffusion.flow --fast`: every claim of the Rectified Diffusion spec
// (trig-VP path retrained on DDIM pairs vs linear reflow) holds at the reduced budget (the
// thresholds and their calibration are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/rectified-diffusion.flow", 3);
