#!/usr/bin/env bash
# Downloads the official TinyStories checkpoints and tokenizers from their public home and checks
# each against the sha256 recorded in the models' provenance notes.
#
# usage: tools/download_models.sh [-d DIR] [NAME...]
#   NAME: stories260K tok512 stories15M stories42M stories110M tokenizer (default: all)
#   DIR:  where to put them (default: ../shared/models beside the repository)
# A file already present with the right checksum is kept; a wrong one is never kept.
set -euo pipefail

hf="https://huggingface.co/karpathy/tinyllamas/resolve/main"
llama2c="https://raw.githubusercontent.com/karpathy/llama2.c/350e04fe35433e6d2941dce5a1f53308f87058eb"

# name  file  url  sha256
catalog=(
  "stories260K stories260K.bin $hf/stories260K/stories260K.bin b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696"
  "tok512 tok512.bin $hf/stories260K/tok512.bin 037cb335abb25d1fa9e8ecae30ed2a3a8ace9302862ebcdc05d51a6bbb10c312"
  "stories15M stories15M.bin $hf/stories15M.bin cd590644d963867a2b6e5a1107f51fad663c41d79c149fbecbbb1f95fa81f49a"
  "stories42M stories42M.bin $hf/stories42M.bin 9f65a1000e17d0bc167dd6332e0ce5119a0222a3d920cead5bce413bfab2ee7b"
  "stories110M stories110M.bin $hf/stories110M.bin 515267168726a1ed1317a64a408492e6af3b67c1f71c5bd98c01d9d721803a24"
  "tokenizer tokenizer.bin $llama2c/tokenizer.bin 50a52ef822ee9e83de5ce9d0be0a025a773d019437f58b5ff9dcafb063ece361"
)

die() { echo "download_models: $*" >&2; exit 1; }

dest="$(cd "$(dirname "$0")/.." && pwd)/../shared/models"
if [ "${1:-}" = "-d" ]; then
  [ $# -ge 2 ] || die "-d needs a directory"
  dest="$2"
  shift 2
fi
case "${1:-}" in -h|--help) sed -n '2,9p' "$0"; exit 0 ;; esac

if command -v curl >/dev/null; then
  fetch() { curl -fsSL --retry 2 --connect-timeout 20 -o "$2" "$1"; }
elif command -v wget >/dev/null; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "needs curl or wget"
fi
command -v sha256sum >/dev/null || die "needs sha256sum (coreutils)"

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  for entry in "${catalog[@]}"; do wanted+=("${entry%% *}"); done
fi

mkdir -p "$dest" || die "cannot create $dest"
failed=0
for name in "${wanted[@]}"; do
  found=""
  for entry in "${catalog[@]}"; do
    read -r n file url sum <<<"$entry"
    [ "$n" = "$name" ] && found=1 && break
  done
  [ -n "$found" ] || die "unknown model '$name' (known: stories260K tok512 stories15M stories42M stories110M tokenizer)"
  target="$dest/$file"
  if [ -f "$target" ] && [ "$(sha256sum "$target" | cut -d' ' -f1)" = "$sum" ]; then
    echo "ok    $file (already present)"
    continue
  fi
  echo "fetch $url"
  if ! fetch "$url" "$target.part"; then
    rm -f "$target.part"
    echo "download_models: cannot download $url (no network, or the file moved)" >&2
    failed=1
    continue
  fi
  got="$(sha256sum "$target.part" | cut -d' ' -f1)"
  if [ "$got" != "$sum" ]; then
    rm -f "$target.part"
    echo "download_models: $file: sha256 $got, expected $sum; not kept" >&2
    failed=1
    continue
  fi
  mv "$target.part" "$target"
  echo "ok    $file"
done
[ $failed -eq 0 ] || die "some files are missing (see above)"
