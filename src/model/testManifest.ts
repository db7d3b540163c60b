// A small valid manifest for unit tests (two regions); not used by the app.
import type { Manifest } from './manifest';

const t = (name: string, shape: number[], dtype = 'float32') => ({ name, shape, dtype });

export function testManifest(graphBytes: Record<string, { bytes: number; sha256: string }> = {}): Manifest {
  const file = (name: string) => ({
    file: `${name}.onnx`,
    sha256: graphBytes[name]?.sha256 ?? 'a'.repeat(64),
    bytes: graphBytes[name]?.bytes ?? 10,
    opset: 17,
  });
  return JSON.parse(
    JSON.stringify({
      format: 'facet-model',
      format_version: 1,
      id: 'test',
      name: 'Test',
      regions: [
        { name: 'background', label: 'Background', color: '#000000' },
        { name: 'face', label: 'Face', color: '#f2b880' },
      ],
      latent: {
        num_codes: 4,
        z_dim: 3,
        code_dim: 5,
        codes: [
          { region: 'background', kind: 'shape' },
          { region: 'background', kind: 'texture' },
          { region: 'face', kind: 'shape' },
          { region: 'face', kind: 'texture' },
        ],
        truncation_psi: 0.7,
        sliders: [],
      },
      camera: {
        convention: 'cnerf', fov_deg: 12, radius: 1, near: 0.88, far: 1.12, up: [0, 1, 0],
        coord_scale: 8.333, yaw_range_deg: [-60, 60], pitch_range_deg: [-25, 25],
      },
      render: { beta: 0.01, mask_activation: 'softmax', samples_per_ray: 8, resolution: 8, tile_rays: 16, background: 'last-sample-opaque' },
      bake: { resolution: 4, bounds: 0.12, layout: 'zyx' },
      graphs: {
        mapping: { ...file('mapping'), inputs: [t('z', [4, 3]), t('psi', [1])], outputs: [t('codes', [4, 5])] },
        bake: {
          ...file('bake'),
          inputs: [t('region', [1], 'int64'), t('shape_code', [1, 5]), t('texture_code', [1, 5])],
          outputs: [t('sdf', [4, 4, 4]), t('mask_logit', [4, 4, 4]), t('rgb', [4, 4, 4, 3])],
        },
        bake_base: { ...file('bake_base'), inputs: [t('shape_code', [1, 5])], outputs: [t('sdf', [4, 4, 4])] },
        final: {
          ...file('final'),
          inputs: [t('codes', [4, 5]), t('ray_origins', [16, 3]), t('ray_dirs', [16, 3]), t('t_bounds', [16, 2])],
          outputs: [t('image', [16, 3]), t('masks', [16, 2]), t('depth', [16])],
        },
      },
    }),
  ) as Manifest;
}
