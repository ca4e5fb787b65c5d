import Foundation
import LoupeConsole
import LoupeData
import LoupeEngine

extension FuzzTarget {
    /// `loupe merge` on score parts written by sharded `infer` (any bytes as one part).
    static let scoreParts = FuzzTarget(name: "score-parts", reads: "shard parts of `loupe infer --shard` (loupe merge)") { bytes in
        withFile(bytes, named: "part.csv") { path in _ = try? ScoreParts.merge([path]) }
    }

    /// A run's scores.csv, as the console and the Runs view read it.
    static let scores = FuzzTarget(name: "scores", reads: "scores.csv") { bytes in
        withFile(bytes, named: "scores.csv") { path in _ = try? ScoresFile.read(path) }
    }

    /// A split table (`--data table.csv`, VisA's `split_csv/1cls.csv`): a data set or an
    /// error naming the file and line.
    static let splitTable = FuzzTarget(name: "split-table", reads: "split CSV tables (VisA layout)") { bytes in
        withFile(bytes, named: "split.csv") { path in _ = try? Dataset.open(path) }
    }

    /// A run's train-log.csv as the console's Training view and the Runs view read it (a log
    /// another process is still writing may end anywhere).
    static let trainLog = FuzzTarget(name: "train-log", reads: "train-log.csv (Training and Runs views)") { bytes in
        withFile(bytes, named: "train-log.csv") { path in
            let rows = TrainLog.rows(at: path)
            _ = TrainingProgress(history: rows, epochs: rows.last.map { max($0.epoch, 1) } ?? 1)
        }
    }
}
