import Foundation

/// `train-log.csv`: one row per step (epoch, step, loss, lr, seconds since the start).
public struct TrainLog {
    public struct Row: Sendable, Equatable {
        public let epoch: Int, step: Int
        public let loss: Float, learningRate: Float
        public let seconds: Double

        public init(epoch: Int, step: Int, loss: Float, learningRate: Float, seconds: Double) {
            (self.epoch, self.step, self.loss, self.learningRate, self.seconds) = (epoch, step, loss, learningRate, seconds)
        }
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

    /// The rows of the log at `path` through `epoch` (nil: all), in order; none when there is
    /// no log. A line that does not parse (torn by a crash mid-write) is skipped.
    public static func rows(at path: String, throughEpoch epoch: Int? = nil) -> [Row] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: ",")
            guard fields.count == 5, let rowEpoch = Int(fields[0]), let step = Int(fields[1]), let loss = Float(fields[2]),
                  let rate = Float(fields[3]), let seconds = Double(fields[4]), rowEpoch <= epoch ?? .max else { return nil }
            return Row(epoch: rowEpoch, step: step, loss: loss, learningRate: rate, seconds: seconds)
        }
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
