/**
 * The last final image, outside the store: the controller writes it, the frame loop polls
 * `version` and uploads the texture only when it changed.
 */
import type { FinalImage } from './finalRender';

export class ImageSlot {
  version = 0;
  image: FinalImage | null = null;

  put(image: FinalImage): void {
    this.image = image;
    this.version++;
  }

  clear(): void {
    this.image = null;
    this.version++;
  }
}
