// Distribution and path metrics on row-major Float32Array point clouds of shape [n, d].

export { assignmentCost, linearSumAssignment } from "./assignment.js";
export { energyDistance, type EnergyOptions } from "./energy.js";
export { frechetDistance, symmetricEigen } from "./frechet.js";
export { DEFAULT_MMD_BANDWIDTHS, mmdSquared, type Estimator, type MmdOptions } from "./mmd.js";
export { pathStraightness, trajectoryTransportCost, transportCost } from "./paths.js";
export { squaredDistanceMatrix } from "./points.js";
export { slicedWasserstein, type SlicedWassersteinOptions } from "./sliced-wasserstein.js";
export { MAX_EXACT_OT_POINTS, otPermutation, wasserstein2 } from "./wasserstein.js";
