import Foundation
import LoupeImaging
import LoupeTensor

// `make bench`: engine timings side by side with PyTorch (`--peer torch_bench.py`).
// Not a test: numbers for the closing note and for spotting regressions.

AllocatorTuning.keepFreedMemoryForReuse()
let options = BenchmarkOptions(CommandLine.arguments)
setMatrixThreads(options.threads)
var list = BenchmarkList(wants: options.wants)
Benchmarks.addKernels(to: &list, batch: options.batch)
Benchmarks.addNetworks(to: &list, batch: options.batch, size: options.size)
Benchmarks.addElementOperations(to: &list, batch: options.batch)
Benchmarks.addReverseDistillation(to: &list, batch: options.batch, size: options.size)
let benchmarks = list.benchmarks
if options.profile {
    benchmarks.forEach { $0.profile() }
    MethodBenchmark.run(repository: FileManager.default.currentDirectoryPath, repeats: 0, warmup: 0, threads: options.threads,
                        comparePeer: false, wants: options.wants, profile: true)
    exit(0)
}
var results: [BenchmarkResult] = []
for benchmark in benchmarks {
    let result = BenchmarkResult(name: benchmark.name, gigaflops: benchmark.gigaflops,
                                 samples: benchmark.sample(repeats: options.repeats, warmup: options.warmup))
    results.append(result)
    print(result.line)
    fflush(nil)
}
if let peer = options.peer, !results.isEmpty {
    let comparison = PeerComparison(script: peer, options: options)
    let theirs = comparison.run(names: results.map(\.name))
    // The machine's speed drifts over minutes: sample ours again after theirs, so both
    // sides see the same conditions, and compare medians of all samples.
    print("second pass (after PyTorch):")
    for (index, benchmark) in benchmarks.enumerated() {
        results[index].samples += benchmark.sample(repeats: options.repeats, warmup: 1)
    }
    comparison.printTable(ours: results, theirs: theirs)
}
MethodBenchmark.run(repository: FileManager.default.currentDirectoryPath, repeats: options.repeats, warmup: options.warmup,
                    threads: options.threads, comparePeer: options.peer != nil, wants: options.wants)
if options.wants("rd_tiled") {
    TiledInferenceBenchmark.run(repository: FileManager.default.currentDirectoryPath, repeats: 3, comparePeer: options.peer != nil)
}
if options.wants("png_") || options.wants("jpeg_") {
    ImagingBenchmark.run(repository: FileManager.default.currentDirectoryPath, repeats: 3, comparePeer: options.peer != nil)
}
