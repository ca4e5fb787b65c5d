import Foundation
import LoupeTensor

// `make bench`: engine timings side by side with PyTorch (`--peer torch_bench.py`).
// Not a test: numbers for the closing note and for spotting regressions.

let options = BenchmarkOptions(CommandLine.arguments)
setMatrixThreads(options.threads)
var results: [BenchmarkResult] = []
for benchmark in Benchmarks.all(batch: options.batch, size: options.size) where options.wants(benchmark.name) {
    let result = benchmark.measure(repeats: options.repeats, warmup: options.warmup)
    results.append(result)
    print(result.line)
    fflush(nil)
}
if let peer = options.peer {
    PeerComparison(script: peer, options: options).printComparison(with: results)
}
