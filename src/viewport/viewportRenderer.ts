/**
 * The three.js viewport: a WebGLRenderer canvas showing the last final image on a quad, an
 * imperative frame loop that reads the store with getState() (never setting it per frame),
 * and drag-to-orbit. The preview path (ray-marching the fused baked volume) will be a second
 * material on the same quad, used while `dragging` is true.
 */
import * as THREE from 'three';
import type { FacetStore } from '../store/store';
import type { ImageSlot } from './imageSlot';
import { attachOrbit } from './orbit';

export class ViewportRenderer {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly material = new THREE.MeshBasicMaterial({ color: 0x202329 });
  private readonly quad = new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.material);
  private texture: THREE.DataTexture | null = null;
  private shownVersion = -1;
  private frame = 0;
  private needsDraw = true;
  private readonly resizeObserver: ResizeObserver;
  private readonly detachOrbit: () => void;

  constructor(
    private readonly container: HTMLElement,
    store: FacetStore,
    private readonly slot: ImageSlot,
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor(0x111317);
    this.renderer.domElement.className = 'viewport-canvas';
    container.appendChild(this.renderer.domElement);
    this.scene.add(this.quad);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.detachOrbit = attachOrbit(this.renderer.domElement, store);
    this.loop();
  }

  get canvas(): HTMLCanvasElement {
    return this.renderer.domElement;
  }

  private resize(): void {
    const w = Math.max(1, this.container.clientWidth);
    const h = Math.max(1, this.container.clientHeight);
    this.renderer.setSize(w, h);
    // Keep the square image square and as large as fits.
    const s = Math.min(w, h);
    this.quad.scale.set(s / w, s / h, 1);
    this.needsDraw = true;
  }

  private upload(): void {
    const image = this.slot.image;
    this.shownVersion = this.slot.version;
    this.needsDraw = true;
    if (!image) {
      this.material.map = null;
      this.material.needsUpdate = true;
      return;
    }
    if (!this.texture || this.texture.image.width !== image.width || this.texture.image.height !== image.height) {
      this.texture?.dispose();
      this.texture = new THREE.DataTexture(new Uint8Array(image.width * image.height * 4), image.width, image.height);
      this.texture.colorSpace = THREE.SRGBColorSpace;
      this.texture.magFilter = THREE.LinearFilter;
      this.texture.minFilter = THREE.LinearFilter;
      this.material.map = this.texture;
      this.material.color.set(0xffffff);
      this.material.needsUpdate = true;
    }
    flipRows(image.rgba, image.width, image.height, this.texture.image.data as Uint8Array);
    this.texture.needsUpdate = true;
  }

  private readonly loop = (): void => {
    this.frame = requestAnimationFrame(this.loop);
    if (this.slot.version !== this.shownVersion) this.upload();
    if (!this.needsDraw) return;
    this.needsDraw = false;
    this.renderer.render(this.scene, this.camera);
  };

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.detachOrbit();
    this.resizeObserver.disconnect();
    this.texture?.dispose();
    this.material.dispose();
    this.quad.geometry.dispose();
    this.renderer.dispose();
    this.renderer.domElement.remove();
  }
}

/** Image rows run top-down; texture rows bottom-up. */
function flipRows(src: Uint8Array, width: number, height: number, dst: Uint8Array): void {
  const row = width * 4;
  for (let y = 0; y < height; y++) dst.set(src.subarray(y * row, (y + 1) * row), (height - 1 - y) * row);
}
