import Foundation
@testable import LoupeTensor
import Testing

/// OpenBLAS 0.3.21 runs Prescott's SSE kernels on CPUs newer than it knows (4–5× slower on
/// matrix products): Loupe switches to the set the CPU's flags allow, and only then.
@Suite struct OpenBLASKernelTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    @Test func aKnownTooOldSetIsReplacedByWhatTheFlagsAllow() {
        #expect(OpenBLASKernel.better(than: "Prescott", flags: Self.avx512) == "SkylakeX")
        #expect(OpenBLASKernel.better(than: "Haswell", flags: Self.avx512) == "SkylakeX")
        // With BF16, OpenBLAS's own choice for the AVX-512 CPUs it knows (Sapphire Rapids):
        // rd's golden record (MethodGoldenTests) was made on it and passes on it alone.
        #expect(OpenBLASKernel.better(than: "Prescott", flags: Self.avx512.union(["avx512_bf16"])) == "Cooperlake")
        #expect(OpenBLASKernel.better(than: "Prescott", flags: Self.avx2) == "Haswell")
        #expect(OpenBLASKernel.better(than: "Sandybridge", flags: Self.avx2) == "Haswell")
        // Already using what the CPU has, or a CPU without AVX2: left alone.
        for current in ["SkylakeX", "Cooperlake", "SapphireRapids"] { #expect(OpenBLASKernel.better(than: current, flags: Self.avx512) == nil) }
        for current in ["Haswell", "Zen", "SkylakeX"] { #expect(OpenBLASKernel.better(than: current, flags: Self.avx2) == nil) }
        #expect(OpenBLASKernel.better(than: "Prescott", flags: ["sse3", "avx"]) == nil)
        // AVX-512 without all five parts SkylakeX's kernels use (an early Xeon Phi) is AVX2's.
        #expect(OpenBLASKernel.better(than: "Prescott", flags: Self.avx2.union(["avx512f", "avx512cd"])) == "Haswell")
    }

    /// After the engine's first product OpenBLAS runs the best set for this machine (unless
    /// the user chose one), and products still match a Double reference.
    @Test func theEngineRunsTheBestSetThisCPUHas() {
        var generator = SeededGenerator(seed: 5)
        let a = Tensor.randomNormal([96, 130], using: &generator), b = Tensor.randomNormal([130, 70], using: &generator)
        let product = a.matmul(b).scalars
        let expected = MatrixMultiplyTests.reference(a.scalars, b.scalars, m: 96, k: 130, n: 70)
        #expect(zip(product, expected).allSatisfy { abs($0 - $1) < 1e-3 })
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return }
        #expect(OpenBLASKernel.better(than: OpenBLASKernel.current, flags: OpenBLASKernel.cpuFlags) == nil,
                "OpenBLAS runs \(OpenBLASKernel.current) on a CPU with \(OpenBLASKernel.cpuFlags.filter { $0.hasPrefix("avx") }.sorted())")
    }
}
