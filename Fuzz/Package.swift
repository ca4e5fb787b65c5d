// swift-tools-version:6.0
// libFuzzer targets for every reader of untrusted bytes (`make fuzz`). A package of its own:
// its executables get their `main` from libFuzzer, so they build only with
// `-sanitize=fuzzer` (the Makefile passes it, with AddressSanitizer).
import PackageDescription

let package = Package(
    name: "LoupeFuzz",
    dependencies: [.package(name: "Loupe", path: "..")],
    targets: [
        // The entry point every target shares: hands the arguments to libFuzzer's driver.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzImages", dependencies: ["FuzzDriver", .product(name: "LoupeImaging", package: "Loupe")]),
        .executableTarget(name: "FuzzSafeTensors", dependencies: ["FuzzDriver", .product(name: "LoupeTensor", package: "Loupe")]),
        .executableTarget(name: "FuzzTorchWeights", dependencies: ["FuzzDriver", .product(name: "LoupeModels", package: "Loupe")]),
        .executableTarget(name: "FuzzConfiguration", dependencies: ["FuzzDriver", .product(name: "LoupeEngine", package: "Loupe"),
                                                                    .product(name: "LoupeConsole", package: "Loupe")]),
        .executableTarget(name: "FuzzReviewJournal", dependencies: ["FuzzDriver", .product(name: "LoupeEngine", package: "Loupe")]),
        .executableTarget(name: "FuzzScoreParts", dependencies: ["FuzzDriver", .product(name: "LoupeEngine", package: "Loupe")]),
    ]
)
