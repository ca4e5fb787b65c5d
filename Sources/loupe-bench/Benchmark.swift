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

    /// Where one run's time goes, by operation and its input and output shapes: a trace
    /// times each forward operation, and each backward rule by the operation that recorded it.
    func profile(top: Int = 25) {
        run()
        let trace = OperationTrace()
        let start = DispatchTime.now().uptimeNanoseconds
        trace.record(inputs: []) { _ in run() }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        var totals: [String: (ms: Double, count: Int)] = [:]
        for node in trace.nodes {
            let key = trace.label(of: node)
            totals[key, default: (0, 0)].ms += Double(node.nanoseconds) / 1e6
            totals[key, default: (0, 0)].count += 1
        }
        let traced = totals.values.reduce(0) { $0 + $1.ms }
        print("profile of \(name): \(String(format: "%.2f", total)) ms, \(String(format: "%.2f", traced)) ms in \(trace.nodes.count) operations")
        Self.printTop(totals, of: total, top: top)
        guard !trace.backward.isEmpty else { return }
        var backward: [String: (ms: Double, count: Int)] = [:]
        for (operation, nanoseconds) in trace.backward {
            backward[operation, default: (0, 0)].ms += Double(nanoseconds) / 1e6
            backward[operation, default: (0, 0)].count += 1
        }
        let inBackward = backward.values.reduce(0) { $0 + $1.ms }
        print("  backward: \(String(format: "%.2f", inBackward)) ms in \(trace.backward.count) rules (each with its gradients' accumulation)")
        Self.printTop(backward, of: total, top: top)
    }

    private static func printTop(_ totals: [String: (ms: Double, count: Int)], of total: Double, top: Int) {
        for (key, value) in totals.sorted(by: { $0.value.ms > $1.value.ms }).prefix(top) {
            print(String(format: "  %7.2f ms %5.1f %%  ×%-3d ", value.ms, 100 * value.ms / max(total, 1e-9), value.count) + key)
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
    /// Print each case's time by operation instead of timing it (`--profile`).
    var profile = false

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
            case "--profile": profile = true
            case "--openblas-core":
                // What the PyTorch peers take as OPENBLAS_CORETYPE (scripts/peer_setup.py).
                print(OpenBLASKernel.current)
                exit(0)
            case "--help", "-h":
                print("""
                usage: loupe-bench [--repeats N] [--warmup N] [--threads N] [--batch N] [--size N] [--only a,b] [--peer torch_bench.py] [--profile] [--openblas-core]
                Times the engine's conv layers and networks; with --peer, runs PyTorch's torch_bench.py on the
                same shapes in the same run and prints both side by side (ratio > 1: Loupe is faster).
                --profile prints, for each case --only picks, one run's time by operation and shapes (forward operations, then backward rules).
                --openblas-core prints the OpenBLAS kernel set the engine runs on this CPU (the peers run on it too).
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
