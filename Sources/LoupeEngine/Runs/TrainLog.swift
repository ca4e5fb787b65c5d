import Foundation

/// `train-log.csv`: one row per step (epoch, step, loss, lr, seconds since the start).
struct TrainLog {
    struct Row {
        let epoch: Int, step: Int
        let loss: Float, learningRate: Float
        let seconds: Double
    }

    static let header = "epoch,step,loss,lr,seconds"
    let path: String
    /// Mean step loss of each epoch the log kept when opened.
    let meanLosses: [Int: Float]

    /// Opens the log, dropping rows of epochs after `epoch` (an epoch interrupted before
    /// its checkpoint), or starts a new one.
    init(path: String, keepingEpochsThrough epoch: Int) throws {
        self.path = path
        var lines = [Self.header]
        var sums: [Int: (total: Float, count: Int)] = [:]
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: ",")
                guard let first = fields.first, let rowEpoch = Int(first), rowEpoch <= epoch else { continue }
                lines.append(String(line))
                if fields.count > 2, let loss = Float(fields[2]) {
                    let sum = sums[rowEpoch] ?? (0, 0)
                    sums[rowEpoch] = (sum.total + loss, sum.count + 1)
                }
            }
        }
        meanLosses = sums.mapValues { $0.total / Float($0.count) }
        try RunFolder.write(lines.joined(separator: "\n") + "\n", to: path)
    }

    func append(_ rows: [Row]) throws {
        let text = rows.map { String(format: "%d,%d,%.6f,%.6g,%.3f", $0.epoch, $0.step, $0.loss, $0.learningRate, $0.seconds) }.joined(separator: "\n") + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }
}
