import Foundation
import LoupeTensor

/// One timed piece of work and its GFLOP count (2 × multiply-adds, as torch_bench.py).
struct Benchmark {
    let name: String
    let gigaflops: Double?
    let run: () -> Void

    /// Milliseconds of `repeats` timed runs after `warmup` untimed ones.
    func sample(repeats: Int, warmup: Int) -> [Double] {
        for _ in 0..<warmup { run() }
        return (0..<repeats).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            run()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
    }
}

/// The benchmarks `--only` asks for, each built (model, inputs) only when asked: building
/// every case first made a one-case run wait seconds for models it never timed.
struct BenchmarkList {
    let wants: (String) -> Bool
    private(set) var benchmarks: [Benchmark] = []

    /// `build` makes the inputs and returns the timed work; nil leaves the case out.
    mutating func add(_ name: String, gigaflops: Double? = nil, _ build: () -> (() -> Void)?) {
        guard wants(name), let run = build() else { return }
        benchmarks.append(Benchmark(name: name, gigaflops: gigaflops, run: run))
    }
}

/// A benchmark's timings; more samples can join (e.g. taken after the PyTorch run).
struct BenchmarkResult {
    let name: String
    let gigaflops: Double?
    var samples: [Double]

    var milliseconds: Double { samples.sorted()[samples.count / 2] }
    var minimum: Double { samples.min() ?? 0 }

    var line: String {
        let rate = gigaflops.map { String(format: "  %7.1f GFLOP/s", $0 / (milliseconds / 1000)) } ?? ""
        return name.padded(to: 44) + String(format: "%9.2f ms (min %8.2f)", milliseconds, minimum) + rate
    }
}

/// Command-line options of loupe-bench.
struct BenchmarkOptions {
    var repeats = 10, warmup = 2, threads = 2, batch = 8, size = 256
    var only: [String] = []
    var peer: String?

    init(_ arguments: [String]) {
        var index = 1
        func value() -> String {
            index += 1
            guard index < arguments.count else { FileHandle.standardError.write(Data("loupe-bench: \(arguments[index - 1]) needs a value\n".utf8)); exit(1) }
            return arguments[index]
        }
        while index < arguments.count {
            switch arguments[index] {
            case "--repeats": repeats = Int(value()) ?? repeats
            case "--warmup": warmup = Int(value()) ?? warmup
            case "--threads": threads = Int(value()) ?? threads
            case "--batch": batch = Int(value()) ?? batch
            case "--size": size = Int(value()) ?? size
            case "--only": only = value().split(separator: ",").map(String.init)
            case "--peer": peer = value()
            case "--help", "-h":
                print("""
                usage: loupe-bench [--repeats N] [--warmup N] [--threads N] [--batch N] [--size N] [--only a,b] [--peer torch_bench.py]
                Times the engine's conv layers and networks; with --peer, runs PyTorch's torch_bench.py on the
                same shapes in the same run and prints both side by side (ratio > 1: Loupe is faster).
                """)
                exit(0)
            default:
                FileHandle.standardError.write(Data("loupe-bench: unknown option \(arguments[index]) (see --help)\n".utf8))
                exit(1)
            }
            index += 1
        }
    }

    func wants(_ name: String) -> Bool { only.isEmpty || only.contains { name.contains($0) } }
}

extension String {
    /// Left-aligned in a column of `width` characters (Foundation's %-Ns does not pad on Linux).
    func padded(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
