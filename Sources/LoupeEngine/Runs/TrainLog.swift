import Foundation
import LoupeFormats
import LoupeModels
import LoupeTensor

/// `train-log.csv`: one row per step (epoch, step, loss, lr, seconds since the start, and the
/// loss's named terms as `name=value;…` when it has several).
public struct TrainLog {
    public struct Row: Sendable, Equatable {
        public let epoch: Int, step: Int
        public let loss: Float, learningRate: Float
        public let seconds: Double
        public let terms: [LossTerm]

        public init(epoch: Int, step: Int, loss: Float, learningRate: Float, seconds: Double, terms: [LossTerm] = []) {
            (self.epoch, self.step, self.loss, self.learningRate, self.seconds, self.terms) = (epoch, step, loss, learningRate, seconds, terms)
        }

        /// The loss on the good images alone (the whole loss when it has one term).
        public var goodImageLoss: Float { terms.goodImages(of: loss) }
    }

    static let columns = ["epoch", "step", "loss", "lr", "seconds", "terms"]
    let path: String
    /// Mean step loss of each epoch the log kept when opened.
    let meanLosses: [Int: Float]

    /// Opens the log, dropping rows of epochs after `epoch` (an epoch interrupted before
    /// its checkpoint), or starts a new one.
    init(path: String, keepingEpochsThrough epoch: Int) throws {
        self.path = path
        let kept = Self.rows(at: path, throughEpoch: epoch)
        var sums: [Int: (total: Float, count: Int)] = [:]
        for row in kept {
            let sum = sums[row.epoch] ?? (0, 0)
            sums[row.epoch] = (sum.total + row.loss, sum.count + 1)
        }
        meanLosses = sums.mapValues { $0.total / Float($0.count) }
        try RunFolder.write(CSV.record(Self.columns) + kept.map(Self.record).joined(), to: path)
    }

    /// The rows of the log at `path` through `epoch` (nil: all), in order; none when there is
    /// no log. A row that does not parse (torn by a crash mid-write) is skipped, and so is
    /// everything after a quote that never closes.
    public static func rows(at path: String, throughEpoch epoch: Int? = nil) -> [Row] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        let records = (try? CSV.records(text)) ?? (try? CSV.records(String(text.prefix { $0 != "\"" }))) ?? []
        return records.dropFirst().compactMap { record in
            // Logs from before terms were written have five fields.
            let fields = record.fields
            guard fields.count == 5 || fields.count == 6, let rowEpoch = Int(fields[0]), let step = Int(fields[1]), let loss = Float(fields[2]),
                  let rate = Float(fields[3]), let seconds = Double(fields[4]), rowEpoch <= epoch ?? .max else { return nil }
            let terms = fields.count == 6 ? fields[5].split(separator: ";").compactMap { part -> LossTerm? in
                let pair = part.split(separator: "=")
                guard pair.count == 2, let value = Float(pair[1]) else { return nil }
                return LossTerm(String(pair[0]), value)
            } : []
            return Row(epoch: rowEpoch, step: step, loss: loss, learningRate: rate, seconds: seconds, terms: terms)
        }
    }

    /// A row as the log writes it.
    static func record(_ row: Row) -> String {
        CSV.record([String(format: "%d", row.epoch), String(format: "%d", row.step), String(format: "%.6f", row.loss),
                    String(format: "%.6g", row.learningRate), String(format: "%.3f", row.seconds),
                    row.terms.map { $0.name + "=" + String(format: "%.6f", $0.value) }.joined(separator: ";")])
    }

    func append(_ rows: [Row]) throws {
        let text = rows.map(Self.record).joined()
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.synchronize()
        } catch {
            throw RunError.cannotWrite(path: path, reason: FileFailure.reason(error))
        }
    }
}

extension TrainLog {
    /// The median epoch's seconds in the log at `path` (each epoch's last step minus the
    /// previous epoch's; a resumed run counts from its own start again), nil without epochs.
    public static func medianEpochSeconds(at path: String) -> Double? { epochSeconds(at: path).median }

    /// Each logged epoch's seconds, in order (a resumed run counts from its own start again).
    public static func epochSeconds(at path: String) -> [Double] {
        var ends: [Int: Double] = [:]
        for row in rows(at: path) { ends[row.epoch] = row.seconds }
        var previous = 0.0
        return ends.keys.sorted().map { epoch -> Double in
            let end = ends[epoch]!
            defer { previous = end }
            return previous <= end ? end - previous : end
        }
    }
}
