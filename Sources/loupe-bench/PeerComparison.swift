import Foundation

/// Runs PyTorch's torch_bench.py on the same cases in this run and prints both columns.
struct PeerComparison {
    let script: String
    let options: BenchmarkOptions

    /// Runs torch_bench.py on `names` and returns its median milliseconds by name.
    func run(names: [String]) -> [String: Double] {
        guard FileManager.default.fileExists(atPath: script) else {
            print("peer: \(script) not found; PyTorch comparison skipped")
            return [:]
        }
        let networks = ["resnet18", "efficientnet-lite0"].filter { network in names.contains { $0.hasPrefix(network) } }.joined(separator: ",")
        let arguments = ["--threads", "\(options.threads)", "--repeats", "\(options.repeats)",
                         "--warmup", "\(options.warmup)", "--batch", "\(options.batch)", "--size", "\(options.size)",
                         "--networks", networks,
                         "--rd-backbones", names.contains { $0.hasPrefix("rd_efficientnet-lite0") } ? "efficientnet-lite0" : "",
                         "--only", names.joined(separator: ",")]
        guard let lines = PythonPeer.jsonLines(script, arguments, showErrors: true) else {
            print("peer: cannot run /usr/bin/python3 \(script); PyTorch comparison skipped")
            return [:]
        }
        var peer: [String: Double] = [:]
        for object in lines {
            guard let name = object["name"] as? String else { continue }
            if name == "env" { print("peer env: \(object)") }
            if let ms = object["ms"] as? Double { peer[name] = ms }
        }
        return peer
    }

    func printTable(ours results: [BenchmarkResult], theirs peer: [String: Double]) {
        print("")
        print("benchmark".padded(to: 44) + "  loupe ms   torch ms    ratio")
        for result in results {
            guard let theirs = peer[result.name] else {
                print(result.name.padded(to: 44) + String(format: "%10.2f", result.milliseconds) + "          —")
                continue
            }
            print(result.name.padded(to: 44) + String(format: "%10.2f %10.2f %7.2fx", result.milliseconds, theirs, theirs / result.milliseconds))
        }
        print("ratio = torch ms / loupe ms: above 1 means Loupe is faster.")
    }
}
