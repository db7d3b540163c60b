#!/usr/bin/env bash
# On the GPU machine, from the repository root: `bash bench/gpu/device.sh N` unpacks .gpu/N
# (made by pack.sh) into /opt/facet-gpu; once all three are there it runs scripts/bench-gpu.mjs on
# facet-default and writes $OUT/results-gpu.{json,md} (+ the log).
set -uo pipefail
d=/opt/facet-gpu
mkdir -p "$d"
case "${1:-}" in
  1) cp .gpu/1/* "$d/" ;;
  2) tar -C "$d" -xJf .gpu/2/common.tar.xz && xz -dc .gpu/2/node.xz > "$d/node" && chmod +x "$d/node" ;;
  3) cp .gpu/3/shell.xz.part-ab "$d/" && tar -C "$d" -xJf .gpu/3/pw.tar.xz && tar -C "$d" -xJf .gpu/3/dist.tar.xz ;;
  *) echo "usage: device.sh 1|2|3"; exit 2 ;;
esac
ls "$d"
[ "$1" = 3 ] || exit 0
[ -x "$d/node" ] && [ -f "$d/shell.xz.part-aa" ] || { echo "stages 1 and 2 are missing (a fresh machine?)"; exit 3; }
cat "$d"/shell.xz.part-* | xz -dc > "$d/chromium/chromium-headless-shell" && chmod +x "$d/chromium/chromium-headless-shell"
mkdir -p node_modules && rm -rf node_modules/playwright-core && cp -r "$d/playwright-core" node_modules/
printf '<?xml version="1.0"?>\n<fontconfig><dir>%s</dir><cachedir>/tmp/fc-cache</cachedir></fontconfig>\n' "$d/chromium/fonts" > "$d/fonts.conf"
export FONTCONFIG_FILE="$d/fonts.conf"
icd=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json 2>/dev/null | head -1)
egl=$(ls /usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json /usr/share/glvnd/egl_vendor.d/10_nvidia.json 2>/dev/null | head -1)
[ -n "$icd" ] && export VK_DRIVER_FILES="$icd" VK_ICD_FILENAMES="$icd"
[ -n "$egl" ] && export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64:/usr/local/nvidia/lib"
ldconfig -p | grep -E "libGLX_nvidia|libEGL_nvidia|libvulkan" | head -4
echo "vulkan icd: ${icd:-none}; egl vendor: ${egl:-none}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
LD_LIBRARY_PATH="$d/chromium/lib" ldd "$d/chromium/chromium-headless-shell" | grep "not found"
out=${OUT:-/tmp/out}
mkdir -p "$out"
timeout "${BENCH_TIMEOUT:-420}" "$d/node" scripts/bench-gpu.mjs --dist "$d/dist" --models public/models --chromium "$d/chromium/chromium-headless-shell" \
  --lib "$d/chromium/lib" --out "$out/results-gpu.json" ${BENCH_ARGS:-} 2>&1 | tee "$out/bench-gpu.log"
