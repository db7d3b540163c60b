/**
 * The three.js viewport: one quad that shows either the last final image (a DataTexture) or
 * the preview (the fused baked volume ray-marched in a shader) while the camera moves or the
 * final image for the current pose is not ready yet. The frame loop reads the store with
 * getState() and never sets state.
 */
import * as THREE from 'three';
import type { FacetStore } from '../store/store';
import { attachOrbit } from './orbit';
import { PreviewMaterial, previewQuality } from './previewMaterial';
import type { ShownImage, ViewportSources } from './sources';

export class ViewportRenderer {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly finalMaterial = new THREE.MeshBasicMaterial({ color: 0x202329 });
  private readonly preview: PreviewMaterial;
  private readonly quad = new THREE.Mesh<THREE.PlaneGeometry, THREE.Material>(new THREE.PlaneGeometry(2, 2), this.finalMaterial);
  private texture: THREE.DataTexture | null = null;
  private versions = { image: -1, preview: -1 };
  private lastDrawn = '';
  private frame = 0;
  private readonly resizeObserver: ResizeObserver;
  private readonly detachOrbit: () => void;

  constructor(
    private readonly container: HTMLElement,
    private readonly store: FacetStore,
    private readonly sources: ViewportSources,
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0x111317);
    this.renderer.domElement.className = 'viewport-canvas';
    this.preview = new PreviewMaterial(previewQuality(this.renderer.getContext()));
    container.appendChild(this.renderer.domElement);
    this.scene.add(this.quad);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.detachOrbit = attachOrbit(this.renderer.domElement, store);
    this.loop();
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h);
    // Keep the square image square and as large as fits.
    const s = Math.min(w, h);
    this.quad.scale.set(s / w, s / h, 1);
    this.lastDrawn = '';
  }

  private uploadImage(image: ShownImage | null): void {
    if (!image) {
      this.finalMaterial.map = null;
      this.finalMaterial.color.set(0x202329);
      this.finalMaterial.needsUpdate = true;
      return;
    }
    if (!this.texture || this.texture.image.width !== image.width || this.texture.image.height !== image.height) {
      this.texture?.dispose();
      this.texture = new THREE.DataTexture(new Uint8Array(image.width * image.height * 4), image.width, image.height);
      this.texture.colorSpace = THREE.SRGBColorSpace;
      this.texture.magFilter = this.texture.minFilter = THREE.LinearFilter;
    }
    flipRows(image.rgba, image.width, image.height, this.texture.image.data as Uint8Array);
    this.texture.needsUpdate = true;
    this.finalMaterial.map = this.texture;
    this.finalMaterial.color.set(0xffffff);
    this.finalMaterial.needsUpdate = true;
  }

  private syncSources(): void {
    const { image, preview } = this.sources;
    if (image.version !== this.versions.image) this.uploadImage(image.value);
    if (preview.version !== this.versions.preview) this.preview.setVolume(preview.value);
    this.versions = { image: image.version, preview: preview.version };
  }

  /** Final image when it shows the current pose and seed (and the user is not dragging), else the preview. */
  private choosePreview(): boolean {
    const s = this.store.getState();
    const preview = this.sources.preview.value;
    if (!s.manifest || !preview || preview.seed !== s.seed || !this.preview.ready) return false;
    const image = this.sources.image.value;
    const current = image !== null && image.seed === s.seed && image.pose.yaw === s.pose.yaw && image.pose.pitch === s.pose.pitch;
    return s.dragging || !current;
  }

  private readonly loop = (): void => {
    this.frame = requestAnimationFrame(this.loop);
    this.syncSources();
    const usePreview = this.choosePreview();
    const { pose, manifest } = this.store.getState();
    const key = `${usePreview}|${pose.yaw}|${pose.pitch}|${this.versions.image}|${this.versions.preview}`;
    if (key === this.lastDrawn) return;
    this.lastDrawn = key;
    if (usePreview && manifest) {
      this.preview.setCamera(pose, manifest);
      this.preview.render(this.renderer);
    }
    this.quad.material = usePreview ? this.preview.display : this.finalMaterial;
    this.renderer.render(this.scene, this.camera);
  };

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.detachOrbit();
    this.resizeObserver.disconnect();
    this.texture?.dispose();
    this.finalMaterial.dispose();
    this.preview.dispose();
    this.quad.geometry.dispose();
    this.renderer.dispose();
    this.renderer.forceContextLoss(); // free the WebGL context now, not at garbage collection
    this.renderer.domElement.remove();
  }
}

/** Image rows run top-down; texture rows bottom-up. */
function flipRows(src: Uint8Array, width: number, height: number, dst: Uint8Array): void {
  const row = width * 4;
  for (let y = 0; y < height; y++) dst.set(src.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
}
