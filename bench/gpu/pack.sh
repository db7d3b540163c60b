#!/usr/bin/env bash
# Packs what `node scripts/bench-gpu.mjs` needs on a GPU machine that has no network, no Node and
# no browser (this project's lent GPU machines): Debian's chromium-headless-shell with the shared
# libraries it links (taken from this machine, glibc and libstdc++ left out), a font, Node, playwright-core
# and the built app (`node scripts/bench-gpu.mjs --build`). Output: .gpu/{1,2,3}/, each small
# enough to travel with the working tree in one call (the tool's 64 MiB limit); device.sh unpacks them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
out="$root/.gpu"
rm -rf "$out" && mkdir -p "$out/1" "$out/2" "$out/3"
(cd "$work" && apt-get download chromium-headless-shell >/dev/null && dpkg -x chromium-headless-shell_*.deb x)
c="$work/chromium" && mkdir -p "$c/lib" "$c/fonts"
for f in headless_command_resources.pak headless_lib_data.pak headless_lib_strings.pak; do cp "$work/x/usr/lib/chromium/$f" "$c/"; done
# chromium-common's files (the chromium package here provides them)
for f in icudtl.dat libEGL.so libGLESv2.so libvulkan.so.1 snapshot_blob.bin v8_context_snapshot.bin; do cp "/usr/lib/chromium/$f" "$c/"; done
ldd "$work/x/usr/lib/chromium/chromium-headless-shell" | awk '$3 ~ /^\// {print $3}' \
  | grep -v -E 'libc\.so|libm\.so|libdl\.so|libpthread|librt\.so|ld-linux|libresolv|libstdc\+\+|libgcc_s' \
  | while read -r l; do cp -L "$l" "$c/lib/"; done
for l in libsoftokn3 libfreebl3 libfreeblpriv3 libnssckbi libnssdbm3; do cp -L /usr/lib/x86_64-linux-gnu/$l.* "$c/lib/"; done
cp -L /usr/lib/x86_64-linux-gnu/libEGL.so.1 /usr/lib/x86_64-linux-gnu/libGLdispatch.so.0 "$c/lib/"   # glvnd, for ANGLE's EGL backend
cp -L "$(fc-match -f '%{file}' sans-serif)" "$c/fonts/"
tar -C "$work" -cf - chromium | xz -T0 -6 > "$out/2/common.tar.xz"
xz -T0 -6 -c "$work/x/usr/lib/chromium/chromium-headless-shell" > "$work/shell.xz"
split -b 46M "$work/shell.xz" "$out/shell.xz.part-"
mv "$out/shell.xz.part-aa" "$out/1/" && mv "$out/shell.xz.part-ab" "$out/3/"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > "$out/2/node.xz"
tar -C "$root/node_modules" -cf - playwright-core | xz -T0 -6 > "$out/3/pw.tar.xz"
tar -C "$root/bench/build" --exclude=dist/models -cf - dist | xz -T0 -6 > "$out/3/dist.tar.xz"
rm -rf "$work"
du -sh "$out"/*
