// The app's pure kernels the Node benchmark runs as they are (bundled by bench/lib/kernels.mjs).
export { fuse } from '../../src/kernels/fuse';
export { cam2world, pixelRays, rayTBounds } from '../../src/kernels/camera';
