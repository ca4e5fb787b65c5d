// swift-tools-version:6.0
// libFuzzer over every reader of untrusted bytes (`make fuzz`). A package of its own: its
// executable gets its `main` from libFuzzer, so it builds only with `-sanitize=fuzzer` (the
// Makefile passes it, with AddressSanitizer). The readers themselves are the main package's
// `LoupeFuzzTargets`, which `make test` replays over the committed corpus.
import PackageDescription

let package = Package(
    name: "LoupeFuzz",
    dependencies: [.package(name: "Loupe", path: "..")],
    targets: [
        .executableTarget(name: "loupe-fuzz", dependencies: [.product(name: "LoupeFuzzTargets", package: "Loupe")]),
    ]
)
