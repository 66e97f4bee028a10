// `flowc check specs/instaflow.flow --fast`: every claim of the InstaFlow spec (one-step students
// distilled from 1-RF and 2-RF) holds at the reduced budget (the thresholds and their calibration
// are in the spec).

import { everyClaimHoldsWithFast } from "./check-spec.js";

everyClaimHoldsWithFast("specs/instaflow.flow", 4);
