/** What the controller hands the viewport: the last final image and the preview volume. */
import type { BakedVolume } from './bakePreview';
import type { FinalImage } from './finalRender';
import type { Slot } from './slot';

/** A final image with the portrait (seed) it shows. */
export type ShownImage = FinalImage & { seed: number };
/** A fused baked volume with the portrait (seed) it belongs to. */
export type ShownPreview = BakedVolume & { seed: number };

export interface ViewportSources {
  image: Slot<ShownImage>;
  preview: Slot<ShownPreview>;
}
