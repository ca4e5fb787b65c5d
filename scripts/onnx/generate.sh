#!/bin/sh
# Regenerates Sources/LoupeExport/ONNX/onnx.pb.swift from onnx.proto (ONNX 1.17.0, Apache-2.0,
# copied from the onnx wheel). Run once when onnx.proto changes; the output is committed, so
# builds never need protoc or the plugin (building the plugin takes minutes).
#   apt-get install protobuf-compiler
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0
#   swift build -c release --product protoc-gen-swift
set -eu
PLUGIN=${PROTOC_GEN_SWIFT:-../swift-protobuf/.build/release/protoc-gen-swift}
cd "$(dirname "$0")"
protoc --plugin="$PLUGIN" --swift_out=../../Sources/LoupeExport/ONNX onnx.proto
