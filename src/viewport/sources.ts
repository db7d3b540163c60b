/** What the controller hands the viewport: the last final image and the preview volume. */
import type { BakedVolume } from './bakePreview';
import type { FinalImage } from './finalRender';
import type { Slot } from './slot';

/** A final image with the portrait state it shows (its content key: z and psi, kernels/latent.ts). */
export type ShownImage = FinalImage & { key: string };
/** A fused baked volume with the portrait state (content key) it belongs to. */
export type ShownPreview = BakedVolume & { key: string };

export interface ViewportSources {
  image: Slot<ShownImage>;
  preview: Slot<ShownPreview>;
}

/** What a viewport reads from the app: a portrait's sources and the content key of its current state. */
export interface ViewportHost {
  sources(portrait: 'A' | 'B'): ViewportSources | null;
  currentKey(portrait: 'A' | 'B'): string | null;
}
