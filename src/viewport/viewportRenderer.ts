/**
 * The three.js viewport of one portrait: the preview (the fused baked volume ray-marched in a
 * shader) while the camera moves or the final image for the current state and pose is not
 * complete, with the final image's finished tiles drawn over it as they arrive, then the final
 * image alone. The final image is shown in the chosen view (kernels/view.ts). The frame loop
 * reads the store with getState(); it sets state only for the turntable and, once a second,
 * the frame rate.
 */
import * as THREE from 'three';
import { parseHexColor } from '../kernels/image';
import { composeView, smoothEdges } from '../kernels/view';
import type { FacetStore, PortraitId } from '../store/store';
import { attachOrbit, turntableStep } from './orbit';
import { PreviewMaterial, previewQuality } from './previewMaterial';
import type { ShownImage, ViewportHost, ViewportSources } from './sources';

const BACKDROP = [0x11, 0x13, 0x17];

export class ViewportRenderer {
  private readonly renderer: THREE.WebGLRenderer;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  private readonly finalMaterial = new THREE.MeshBasicMaterial({ color: 0x202329, transparent: true });
  private readonly preview: PreviewMaterial;
  private readonly previewQuad: THREE.Mesh<THREE.PlaneGeometry, THREE.Material>;
  private readonly finalQuad: THREE.Mesh<THREE.PlaneGeometry, THREE.Material>;
  private texture: THREE.DataTexture | null = null;
  private sources: ViewportSources | null = null;
  private versions = { image: -1, preview: -1 };
  private viewKey = '';
  private lastDrawn = '';
  private lastMarched = '';
  private frame = 0;
  private readonly resizeObserver: ResizeObserver;
  private readonly detachOrbit: () => void;
  private fit = { x: 1, y: 1 };
  private frames: number[] = [];
  private fpsAt = 0;
  private turn = { at: 0, direction: 1 as 1 | -1 };

  constructor(
    private readonly container: HTMLElement,
    private readonly store: FacetStore,
    private readonly host: ViewportHost,
    readonly portrait: PortraitId = 'A',
  ) {
    this.renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.setClearColor((BACKDROP[0] << 16) | (BACKDROP[1] << 8) | BACKDROP[2]); // hex colors are sRGB
    this.renderer.domElement.className = 'viewport-canvas';
    this.renderer.domElement.dataset.portrait = portrait;
    this.preview = new PreviewMaterial(previewQuality(this.renderer.getContext()));
    this.previewQuad = new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.preview.display);
    this.finalQuad = new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.finalMaterial);
    this.finalQuad.renderOrder = 1;
    container.appendChild(this.renderer.domElement);
    this.scene.add(this.previewQuad, this.finalQuad);
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(container);
    this.resize();
    this.detachOrbit = attachOrbit(this.renderer.domElement, store, portrait);
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
    this.fit = { x: s / w, y: s / h };
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
    const s = this.store.getState();
    const manifest = s.manifest;
    const shown = manifest
      ? composeView(image, {
          view: s.view,
          opacity: s.overlayOpacity,
          hidden: manifest.regions.map((r) => s.hidden.includes(r.name)),
          palette: manifest.regions.map((r) => parseHexColor(r.color)),
          near: manifest.camera.near,
          far: manifest.camera.far,
          backdrop: BACKDROP,
        })
      : image.rgba;
    // edges through a sharp surface show stair-steps once the 256 px image is scaled up, with one ray
    // per pixel and still with render.edge_supersample's 2 x 2 (5 levels of coverage), and the render
    // has a few dark specks along outlines (docs/model-format.md): smooth them for display
    const drawn = s.view === 'color' ? smoothEdges(shown, image.labels, image.width, image.height) : shown;
    flipRows(drawn, image.width, image.height, this.texture.image.data as Uint8Array);
    this.texture.needsUpdate = true;
    this.finalMaterial.map = this.texture;
    this.finalMaterial.color.set(0xffffff);
    this.finalMaterial.needsUpdate = true;
  }

  private syncSources(): void {
    const sources = this.host.sources(this.portrait);
    if (sources !== this.sources) {
      this.sources = sources;
      this.versions = { image: -1, preview: -1 };
    }
    const s = this.store.getState();
    const viewKey = `${s.view}|${s.overlayOpacity}|${s.hidden.join(',')}`;
    if (!sources) {
      if (this.versions.image !== -2) this.uploadImage(null);
      this.preview.setVolume(null);
      this.versions = { image: -2, preview: -2 };
      return;
    }
    const { image, preview } = sources;
    if (image.version !== this.versions.image || viewKey !== this.viewKey) this.uploadImage(image.value);
    if (preview.version !== this.versions.preview || viewKey !== this.viewKey) {
      const regions = s.manifest?.regions ?? [];
      this.preview.setVolume(preview.value, {
        view: s.view,
        opacity: s.overlayOpacity,
        hidden: regions.map((r) => s.hidden.includes(r.name)),
        backdrop: BACKDROP.map((c) => c / 255),
      });
      this.lastMarched = '';
    }
    this.versions = { image: image.version, preview: preview.version };
    this.viewKey = viewKey;
  }

  private stepTurntable(now: number): void {
    const s = this.store.getState();
    const drives = !s.linked || s.layout !== 'side' || this.portrait === 'A';
    if (!s.turntable || !s.manifest || !drives) {
      this.turn.at = 0;
      return;
    }
    const dt = this.turn.at ? Math.min(0.1, (now - this.turn.at) / 1000) : 0;
    this.turn.at = now;
    const pose = this.portrait === 'A' ? s.pose : s.poseB;
    const range = s.manifest.camera.yaw_range_deg.map((d) => (d * Math.PI) / 180) as [number, number];
    const next = turntableStep(pose.yaw, this.turn.direction, dt, range);
    this.turn.direction = next.direction;
    if (dt > 0) s.setPose({ yaw: next.yaw, pitch: pose.pitch }, this.portrait);
  }

  /** Once a second: preview frames drawn in the last second (null when none: the camera rests). */
  private reportFps(now: number): void {
    while (this.frames.length && this.frames[0] < now - 1000) this.frames.shift();
    if (now - this.fpsAt < 1000 || this.portrait !== 'A') return;
    this.fpsAt = now;
    const fps = this.frames.length || null;
    if (this.store.getState().fps !== fps) this.store.getState().setFps(fps);
  }

  private readonly loop = (now: number = performance.now()): void => {
    this.frame = requestAnimationFrame(this.loop);
    this.stepTurntable(now);
    this.reportFps(now);
    this.syncSources();
    const s = this.store.getState();
    const pose = this.portrait === 'A' ? s.pose : s.poseB;
    const key = this.host.currentKey(this.portrait);
    const preview = this.sources?.preview.value;
    const image = this.sources?.image.value ?? null;
    const previewOk = !!s.manifest && !!preview && preview.key === key && this.preview.ready;
    const imageOk = !!image && image.key === key && image.pose.yaw === pose.yaw && image.pose.pitch === pose.pitch;
    const complete = imageOk && image!.done === image!.width * image!.height;
    const moving = s.dragging || s.turntable;
    const showPreview = previewOk && (moving || !complete);
    // The final image: current (complete, or its tiles so far over the preview); else the last one while no preview exists.
    const showFinal = (imageOk && !(moving && previewOk)) || (!showPreview && !!image);
    const drawKey = `${showPreview}|${showFinal}|${pose.yaw}|${pose.pitch}|${s.zoom}|${this.versions.image}|${this.versions.preview}|${this.viewKey}|${this.fit.x}|${this.fit.y}`;
    if (drawKey === this.lastDrawn) return;
    this.lastDrawn = drawKey;
    // The march only when its inputs changed (not when a final tile arrives over it).
    const marchKey = `${pose.yaw}|${pose.pitch}|${this.versions.preview}`;
    if (showPreview && s.manifest && marchKey !== this.lastMarched) {
      this.lastMarched = marchKey;
      this.preview.setCamera(pose, s.manifest);
      this.preview.render(this.renderer);
    }
    for (const quad of [this.previewQuad, this.finalQuad]) quad.scale.set(this.fit.x * s.zoom, this.fit.y * s.zoom, 1);
    this.previewQuad.visible = showPreview;
    this.finalQuad.visible = showFinal;
    this.renderer.render(this.scene, this.camera);
    if (showPreview) this.frames.push(now);
  };

  /**
   * Benchmark: n preview frames of the current preview volume marched at `size` x `size`,
   * stepping yaw slightly, each waited for with a one-pixel readback; ms per frame.
   */
  previewFrames(n: number, size = 512): number[] {
    const s = this.store.getState();
    const volume = this.sources?.preview.value;
    if (!s.manifest || !volume) throw new Error('No preview volume yet');
    const bench = new PreviewMaterial({ size, samples: this.preview.samples });
    bench.setVolume(volume);
    const pixel = new Uint8Array(4);
    const times: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const start = performance.now();
        bench.setCamera({ yaw: s.pose.yaw + 0.01 * ((i % 20) - 10), pitch: s.pose.pitch }, s.manifest);
        bench.render(this.renderer);
        this.renderer.readRenderTargetPixels(bench.renderTarget, size >> 1, size >> 1, 1, 1, pixel);
        times.push(performance.now() - start);
      }
    } finally {
      bench.dispose();
      this.lastDrawn = '';
      this.lastMarched = '';
    }
    return times;
  }

  dispose(): void {
    cancelAnimationFrame(this.frame);
    this.detachOrbit();
    this.resizeObserver.disconnect();
    this.texture?.dispose();
    this.finalMaterial.dispose();
    this.preview.dispose();
    this.previewQuad.geometry.dispose();
    this.finalQuad.geometry.dispose();
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
