#!/usr/bin/env bash
# `make demo`: trains a small model on the shipped samples once (about a minute on 2
# cores), evaluates it, and opens the console; without a terminal, prints scores instead.
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
if [ -t 0 ] && [ -t 1 ]; then
  echo "== loupe console --run $run   (q quits; keys: loupe console --help)"
  exec $loupe console --run "$run"
fi
echo "== loupe infer --run $run --overlays $run/overlays samples/texture/test/hole"
$loupe infer --run "$run" --overlays "$run/overlays" samples/texture/test/hole
echo
echo "Overlays (image + heat map) are in $run/overlays; in a terminal: $loupe console --run $run"
