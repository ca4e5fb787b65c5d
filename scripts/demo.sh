#!/usr/bin/env bash
# `make demo` until the console lands: the headless flow on the shipped samples.
# Trains a small model once (about a minute on 2 cores), then evaluates and scores.
set -euo pipefail
cd "$(dirname "$0")/.."
loupe=.build/release/loupe
run=runs/demo-texture
echo "== loupe data check samples/texture"
$loupe data check samples/texture
if [ ! -f "$run/model.safetensors" ]; then
  echo "== loupe train --data samples/texture --run $run --size 192 --epochs 20"
  $loupe train --data samples/texture --run "$run" --size 192 --epochs 20
fi
echo "== loupe eval --run $run"
$loupe eval --run "$run"
echo "== loupe infer --run $run --overlays $run/overlays samples/texture/test/hole"
$loupe infer --run "$run" --overlays "$run/overlays" samples/texture/test/hole
echo
echo "Overlays (image + heat map) are in $run/overlays; every command: $loupe --help"
