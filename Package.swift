// swift-tools-version:6.0
// The manifest reads as the architecture of DESIGN.md: system libraries at the bottom,
// then the tensor engine and imaging, data, models and metrics, the engine, the console,
// then the executable.
import PackageDescription

/// Hot loops live in the tensor engine: compile it for speed even in debug (test) builds.
/// `-Ounchecked` drops overflow checks in the inner loops; the engine's shape checks use
/// `invariant`, which it keeps. Only the engine: it reads no bytes from outside.
let engineSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"]),
]

/// Every other target reads bytes Loupe did not write (images, weights, tables, configs,
/// journals) or calls code that does: optimised, with bounds and overflow checks kept, so a
/// crafted file ends in a trap at worst, never in reading past a buffer.
let checkedSettings: [SwiftSetting] = [
    .unsafeFlags(["-O"]),
]

let package = Package(
    name: "Loupe",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "loupe", targets: ["loupe"]),
        .library(name: "LoupeTensor", targets: ["LoupeTensor"]),
        .library(name: "LoupeFormats", targets: ["LoupeFormats"]),
        .library(name: "LoupeImaging", targets: ["LoupeImaging"]),
        .library(name: "LoupeData", targets: ["LoupeData"]),
        .library(name: "LoupeModels", targets: ["LoupeModels"]),
        .library(name: "LoupeMetrics", targets: ["LoupeMetrics"]),
        .library(name: "LoupeEngine", targets: ["LoupeEngine"]),
        .library(name: "LoupeConsole", targets: ["LoupeConsole"]),
        .library(name: "LoupeExport", targets: ["LoupeExport"]),
        .library(name: "LoupeFuzzTargets", targets: ["LoupeFuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        // TOML for run configurations (`loupe train --config`) and themes.
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // ONNX files for `loupe export` (code generated from onnx.proto once: scripts/onnx/).
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // System libraries (Debian: libopenblas-dev, libpng-dev, libjpeg62-turbo-dev, libtiff-dev,
        // libncursesw5-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "CTIFF", pkgConfig: "libtiff-4", providers: [.apt(["libtiff-dev"])]),
        .systemLibrary(name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncursesw5-dev"])]),
        // libpng and libjpeg report errors by longjmp, libtiff by callback; these C shims
        // catch them and return codes and messages.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG", "CTIFF"]),
        // prctl and CPU affinity for the runs `loupe compare` starts (variadic or macros in C).
        .target(name: "CProcessControl"),

        // Packing-free matrix products for thin shapes, AVX-512 or AVX2 chosen at run time;
        // optimised in debug builds too, like the engine that calls them.
        .target(name: "CMatrixKernels", cSettings: [.unsafeFlags(["-O2"])], linkerSettings: [.linkedLibrary("m")]),

        // Tensor engine: tensors, autograd, layers, optimisers.
        .target(name: "LoupeTensor", dependencies: ["CBLAS", "CMatrixKernels"], swiftSettings: engineSettings),

        // File formats that are not images: safetensors, CSV tables, file errors.
        .target(name: "LoupeFormats", dependencies: ["LoupeTensor"], swiftSettings: checkedSettings),

        // Imaging: PNG, JPEG, TIFF and BMP reading, PNG writing, resizing (PIL-compatible),
        // normalisation, colour maps.
        .target(name: "LoupeImaging", dependencies: ["CImageCodecs", "LoupeTensor", "LoupeFormats"], swiftSettings: checkedSettings),

        // Data: data set layouts, loading, augmentation, synthetic anomalies.
        .target(name: "LoupeData", dependencies: ["LoupeImaging", "LoupeTensor", "LoupeFormats"], swiftSettings: checkedSettings),

        // Metrics: AUROC, AP, AUPRO, F1 and thresholds, independent of any model.
        .target(name: "LoupeMetrics", dependencies: ["LoupeTensor"], swiftSettings: checkedSettings),

        // Models: backbones (teachers), methods, weight files.
        .target(name: "LoupeModels", dependencies: ["LoupeTensor", "LoupeFormats", "LoupeImaging", "LoupeData"], swiftSettings: checkedSettings),

        // Engine: training and evaluation jobs, run folders.
        .target(name: "LoupeEngine", dependencies: ["LoupeTensor", "LoupeFormats", "LoupeImaging", "LoupeData", "LoupeModels", "LoupeMetrics",
                                                    .product(name: "TOMLKit", package: "TOMLKit")],
                swiftSettings: checkedSettings),

        // Export: a run's scoring pass as an ONNX model (traced from the engine's operations).
        .target(name: "LoupeExport", dependencies: ["LoupeTensor", "LoupeFormats", "LoupeModels", "LoupeEngine",
                                                    .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                swiftSettings: checkedSettings),

        // Console: screens, renderers and views; draws engine state, never computes.
        // Optimised in debug builds too, so tests measure the frame times users see.
        .target(name: "LoupeConsole", dependencies: ["LoupeTensor", "LoupeFormats", "LoupeImaging", "LoupeData", "LoupeModels", "LoupeMetrics",
                                                     "LoupeEngine", "CNcursesw"],
                swiftSettings: checkedSettings),

        // Every reader of outside bytes as a function of any bytes: `make fuzz` runs them under
        // libFuzzer (Fuzz/), `make test` replays their corpus.
        .target(name: "LoupeFuzzTargets", dependencies: ["LoupeFormats", "LoupeImaging", "LoupeData", "LoupeModels", "LoupeEngine", "LoupeConsole"],
                swiftSettings: checkedSettings),

        // Command-line tool: one file per command.
        .executableTarget(
            name: "loupe",
            dependencies: [
                "LoupeTensor",
                "LoupeFormats",
                "LoupeImaging",
                "LoupeData",
                "LoupeModels",
                "LoupeEngine",
                "LoupeConsole",
                "LoupeExport",
                "CProcessControl",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks for `make bench` (not tests).
        .executableTarget(name: "loupe-bench", dependencies: ["LoupeTensor", "LoupeImaging", "LoupeData", "LoupeModels", "LoupeEngine"],
                         swiftSettings: engineSettings),

        // Helpers shared by the test targets (fixture loading, tolerant comparison), optimised
        // because some fill or compare tens of millions of values.
        .target(name: "CHeapUsage"),
        .target(name: "LoupeTestSupport", dependencies: ["LoupeTensor", "LoupeFormats", "CHeapUsage"], swiftSettings: engineSettings),
        .testTarget(name: "LoupeTensorTests", dependencies: ["LoupeTensor", "LoupeFormats", "LoupeTestSupport", "CMatrixKernels"], exclude: ["Fixtures"]),
        .testTarget(name: "LoupeFormatsTests", dependencies: ["LoupeFormats", "LoupeTensor"]),
        .testTarget(name: "LoupeFuzzTargetsTests", dependencies: ["LoupeFuzzTargets"]),
        .testTarget(name: "LoupeImagingTests", dependencies: ["LoupeImaging", "LoupeTensor", "LoupeTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LoupeDataTests", dependencies: ["LoupeData", "LoupeFormats", "LoupeImaging", "LoupeTensor", "LoupeTestSupport"]),
        .testTarget(name: "loupeTests", dependencies: ["loupe", "LoupeConsole", "LoupeData", "LoupeEngine", "LoupeExport", "LoupeFormats", "LoupeImaging", "LoupeModels", "LoupeTensor", "LoupeTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LoupeMetricsTests", dependencies: ["LoupeMetrics", "LoupeTensor", "LoupeTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LoupeExportTests", dependencies: ["LoupeExport", "LoupeEngine", "LoupeModels", "LoupeTensor"]),
        .testTarget(name: "LoupeEngineTests", dependencies: ["LoupeEngine", "LoupeData", "LoupeFormats", "LoupeImaging", "LoupeModels", "LoupeTensor", "LoupeTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "LoupeConsoleTests", dependencies: ["LoupeConsole", "LoupeData", "LoupeEngine", "LoupeImaging", "LoupeModels", "LoupeTensor"]),
        .testTarget(name: "LoupeModelsTests", dependencies: ["LoupeModels", "LoupeData", "LoupeFormats", "LoupeImaging", "LoupeTensor", "LoupeTestSupport"], exclude: ["Fixtures"]),
    ]
)
