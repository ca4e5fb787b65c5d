#!/usr/bin/env bash
# `make demo`: opens the console on the shipped samples. The first time, the console
# trains a small model itself (Training view: live loss, about a minute on 2 cores) and
# then scores the test images, which appear in the Browser as they are scored. Without a
# terminal, the same happens headless: train, eval, infer with overlays.
set -euo pipefail
cd "$(dirname "$0")/.."
loupe=.build/release/loupe
run=runs/demo-texture
echo "== loupe data check samples/texture"
$loupe data check samples/texture
if [ -t 0 ] && [ -t 1 ]; then
  echo "== loupe console --run $run --data samples/texture --size 192 --epochs 20   (q quits, ? shows the keys)"
  exec $loupe console --run "$run" --data samples/texture --size 192 --epochs 20
fi
if [ ! -f "$run/model.safetensors" ]; then
  echo "== loupe train --data samples/texture --run $run --size 192 --epochs 20"
  $loupe train --data samples/texture --run "$run" --size 192 --epochs 20
fi
echo "== loupe eval --run $run"
$loupe eval --run "$run"
echo "== loupe infer --run $run --overlays $run/overlays samples/texture/test/hole"
$loupe infer --run "$run" --overlays "$run/overlays" samples/texture/test/hole
echo
echo "Overlays (image + heat map) are in $run/overlays; in a terminal: $loupe console --run $run"
