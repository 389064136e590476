#!/usr/bin/env bash
# `make bench`, image preparation: a 24-megapixel JPEG (6000 × 4000) made ready for upload by
# `kyma dev prepare-image` (decode, orient, scale to 2048 px, JPEG) vs libvips' vipsthumbnail to
# the same size, each run as a process 7 times; medians and their ratio (lower is faster).
# Writes bench/image.md and appends the ratio to bench/history.tsv. Usage: scripts/bench-image.sh path/to/kyma
set -euo pipefail
kyma=${1:?usage: bench-image.sh path/to/kyma}
command -v vipsthumbnail >/dev/null || { echo "bench-image: vipsthumbnail is missing (apt install libvips-tools)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# A photo-like picture: smooth gradients plus noise (a flat image would flatter any JPEG decoder).
convert -size 6000x4000 gradient:'#204080-#e0a040' \( -size 6000x4000 xc: +noise Random -colorspace gray \) \
  -compose overlay -composite -quality 90 "$dir/photo.jpg"
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ours=(); vips=()
for _ in 1 2 3 4 5 6 7; do
  ours+=("$(ms "$kyma" dev prepare-image "$dir/photo.jpg" "$dir/ours.jpg")")
  vips+=("$(ms vipsthumbnail "$dir/photo.jpg" --size 2048x2048 -o "$dir/vips.jpg[Q=85]")")
done
o=$(printf '%s\n' "${ours[@]}" | median)
v=$(printf '%s\n' "${vips[@]}" | median)
ratio=$(awk -v o="$o" -v v="$v" 'BEGIN { printf "%.2f", o / v }')
size_ours=$(identify -format '%wx%h' "$dir/ours.jpg"); size_vips=$(identify -format '%wx%h' "$dir/vips.jpg")
row="| image preparation: 24 MP JPEG → ${size_ours} upload JPEG | ${o} ms | vipsthumbnail → ${size_vips}: ${v} ms | **${ratio}×** (target ≤ 1.0×) | runs: ours ${ours[*]}; vips ${vips[*]} |"
echo "$row"
mkdir -p bench
{
  printf '# Image preparation\n\n%s · %s · %s cores\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" "$(nproc)"
  printf '| figure | ours (median of 7) | baseline (median of 7) | ratio | raw ms |\n|---|---|---|---|---|\n%s\n' "$row"
} > bench/image.md
printf '%s\timage_prep_vs_vipsthumbnail\t%s\n' "${BENCH_RUN:-$(date -u +%Y-%m-%dT%H:%MZ)}" "$ratio" >> bench/history.tsv
