/**
 * The preview path: ray-march the fused baked volume (a Data3DTexture) in a fragment shader,
 * with the same camera convention (kernels/camera.ts) and volume rendering as the final graph
 * (docs/model-format.md): sigma = sigmoid(-d / beta) / beta, alpha = 1 - exp(-sigma delta) with
 * delta in network units (world step x coord_scale),
 * the last sample opaque. No network runs per frame.
 */
import * as THREE from 'three';
import { cam2world, type Pose } from '../kernels/camera';
import { previewBeta, type Manifest } from '../model/manifest';
import type { BakedVolume } from './bakePreview';

/**
 * The preview is marched at `size` and scaled up, with more samples than the final graph (the
 * grid is coarse and the preview should look smooth). Its cost grows with pixels x samples: on
 * a software WebGL (SwiftShader in headless tests) a full-canvas march took seconds a frame,
 * so software renderers get a smaller one.
 */
export interface PreviewQuality {
  size: number;
  samples: number;
}
const HARDWARE: PreviewQuality = Object.freeze({ size: 256, samples: 96 });
const SOFTWARE: PreviewQuality = Object.freeze({ size: 96, samples: 48 });

export function previewQuality(gl: WebGL2RenderingContext | WebGLRenderingContext): PreviewQuality {
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  return /swiftshader|llvmpipe|software/i.test(name) ? SOFTWARE : HARDWARE;
}

/** Shows the preview target as is (raw values in, raw values out, like the final image). */
const copyFragment = /* glsl */ `
precision highp float;
uniform sampler2D map;
in vec2 vUv;
out vec4 outColor;
void main() { outColor = texture(map, vUv); }`;

const vertexShader = /* glsl */ `
out vec2 vUv;
void main() {
  vUv = uv;
  gl_Position = projectionMatrix * modelViewMatrix * vec4(position, 1.0);
}`;

const fragmentShader = /* glsl */ `
precision highp float;
precision highp sampler3D;
uniform sampler3D volume;
uniform mat3 rotation;   // camera-to-world axes (columns x, y, z)
uniform vec3 origin;     // camera centre
uniform float tanHalfFov;
uniform float near;
uniform float far;
uniform float beta;      // in network units, like the SDF
uniform float coordScale; // world -> network units
uniform float bounds;    // world units
uniform int samples;
uniform int depthView;   // 1: show the expected depth as gray ((far - depth) / (far - near))
in vec2 vUv;
out vec4 outColor;

void main() {
  // Pixel centre -> camera-space direction: x right, y up, looking along -z.
  vec2 ndc = vUv * 2.0 - 1.0;
  vec3 dir = normalize(rotation * normalize(vec3(ndc.x * tanHalfFov, ndc.y * tanHalfFov, -1.0)));
  float delta = (far - near) / float(samples - 1);
  float transmittance = 1.0;
  vec3 color = vec3(0.0);
  float depth = 0.0;
  for (int i = 0; i < samples; i++) {
    vec3 p = origin + dir * (near + delta * float(i));
    vec4 v = texture(volume, clamp((p + bounds) / (2.0 * bounds), 0.0, 1.0));
    float alpha = 1.0;
    if (i < samples - 1) {
      float sigma = 1.0 / (1.0 + exp(v.a / beta)) / beta;
      alpha = 1.0 - exp(-sigma * delta * coordScale);
    }
    color += transmittance * alpha * v.rgb;
    depth += transmittance * alpha * (near + delta * float(i));
    transmittance *= 1.0 - alpha;
    if (transmittance < 1e-3) break;
  }
  outColor = depthView == 1 ? vec4(vec3(clamp((far - depth) / (far - near), 0.0, 1.0)), 1.0) : vec4(color, 1.0);
}`;

export interface PreviewView {
  view: 'color' | 'semantic' | 'overlay' | 'depth';
  opacity: number;
  hidden: readonly boolean[]; // by region index
  backdrop: readonly number[]; // 0..1
}

const COLOR_VIEW: PreviewView = Object.freeze({ view: 'color', opacity: 0, hidden: [], backdrop: [0, 0, 0] });

/** The fused volume's colors for a view (a = SDF kept). */
function viewVolume(baked: BakedVolume, v: PreviewView): Float32Array {
  const out = baked.volume.slice();
  const n = out.length / 4;
  for (let p = 0; p < n; p++) {
    const o = p * 4;
    if (v.hidden[baked.semantic[o + 3]]) {
      for (let c = 0; c < 3; c++) out[o + c] = v.backdrop[c];
      continue;
    }
    if (v.view === 'semantic') for (let c = 0; c < 3; c++) out[o + c] = baked.semantic[o + c];
    else if (v.view === 'overlay') for (let c = 0; c < 3; c++) out[o + c] += (baked.semantic[o + c] - out[o + c]) * v.opacity;
  }
  return out;
}

export class PreviewMaterial {
  readonly material = new THREE.ShaderMaterial({
    glslVersion: THREE.GLSL3,
    vertexShader,
    fragmentShader,
    uniforms: {
      volume: { value: null },
      rotation: { value: new THREE.Matrix3() },
      origin: { value: new THREE.Vector3() },
      tanHalfFov: { value: 0.1 },
      near: { value: 0.9 },
      far: { value: 1.1 },
      beta: { value: 0.1 },
      coordScale: { value: 8.333 },
      bounds: { value: 0.15 },
      samples: { value: HARDWARE.samples },
      depthView: { value: 0 },
    },
  });
  private texture: THREE.Data3DTexture | null = null;
  private readonly target: THREE.WebGLRenderTarget;
  private readonly scene = new THREE.Scene();
  private readonly camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 0, 1);
  /** Put this on the viewport's quad to show the last preview frame. */
  readonly display: THREE.ShaderMaterial;

  readonly samples: number;

  constructor(quality: PreviewQuality = HARDWARE) {
    this.samples = quality.samples;
    this.target = new THREE.WebGLRenderTarget(quality.size, quality.size, { depthBuffer: false });
    this.material.uniforms.samples.value = quality.samples;
    this.display = new THREE.ShaderMaterial({
      glslVersion: THREE.GLSL3,
      vertexShader,
      fragmentShader: copyFragment,
      uniforms: { map: { value: this.target.texture } },
    });
    this.target.texture.minFilter = this.target.texture.magFilter = THREE.LinearFilter;
    this.scene.add(new THREE.Mesh(new THREE.PlaneGeometry(2, 2), this.material));
  }

  /** March the volume into the preview target. */
  render(renderer: THREE.WebGLRenderer): void {
    renderer.setRenderTarget(this.target);
    renderer.render(this.scene, this.camera);
    renderer.setRenderTarget(null);
  }

  get renderTarget(): THREE.WebGLRenderTarget {
    return this.target;
  }

  get ready(): boolean {
    return this.texture !== null;
  }

  /**
   * The volume to march, its colors as the view shows them (kernels/view.ts: semantic colors,
   * overlay, hidden regions painted with the backdrop; depth is drawn by the shader).
   */
  setVolume(baked: BakedVolume | null, view: PreviewView = COLOR_VIEW): void {
    this.material.uniforms.depthView.value = view.view === 'depth' ? 1 : 0;
    this.texture?.dispose();
    this.texture = null;
    this.material.uniforms.volume.value = null;
    if (!baked) return;
    const r = baked.resolution;
    const source = view.view === 'color' && !view.hidden.some(Boolean) ? baked.volume : viewVolume(baked, view);
    const half = new Uint16Array(source.length);
    for (let i = 0; i < half.length; i++) half[i] = THREE.DataUtils.toHalfFloat(source[i]);
    const texture = new THREE.Data3DTexture(half, r, r, r);
    texture.format = THREE.RGBAFormat;
    texture.type = THREE.HalfFloatType; // linear filtering of half floats needs no extension
    texture.minFilter = texture.magFilter = THREE.LinearFilter;
    texture.wrapS = texture.wrapT = texture.wrapR = THREE.ClampToEdgeWrapping;
    texture.unpackAlignment = 1;
    texture.needsUpdate = true;
    this.texture = texture;
    this.material.uniforms.volume.value = texture;
    this.material.uniforms.bounds.value = baked.bounds;
  }

  /** Per frame: the camera from the current pose (read from the store, never written). */
  setCamera(pose: Pose, manifest: Manifest): void {
    const { camera, render } = manifest;
    const m = cam2world(pose.yaw, pose.pitch, camera.radius); // row-major
    const u = this.material.uniforms;
    (u.rotation.value as THREE.Matrix3).set(m[0], m[1], m[2], m[4], m[5], m[6], m[8], m[9], m[10]);
    (u.origin.value as THREE.Vector3).set(m[3], m[7], m[11]);
    u.tanHalfFov.value = Math.tan((camera.fov_deg * Math.PI) / 360);
    u.near.value = camera.near;
    u.far.value = camera.far;
    u.beta.value = previewBeta(render, camera, this.samples);
    u.coordScale.value = camera.coord_scale;
  }

  dispose(): void {
    this.texture?.dispose();
    this.target.dispose();
    this.material.dispose();
    this.display.dispose();
    this.scene.traverse((o) => o instanceof THREE.Mesh && o.geometry.dispose());
  }
}
