import ArgumentParser
import Foundation
import LoupeEngine
import LoupeFormats
import LoupeImaging

/// `loupe infer`: score images with a trained run, on one machine or many.
struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score images (files, or folders of PNG, JPEG, BMP and TIFF images) with a trained run.",
        discussion: """
        Prints one line per image: file, score, verdict at the run's threshold (set by \
        `loupe eval`, or --threshold). To spread a million images over a batch cluster, \
        give each worker a shard: --shard i/n (i from 0), or let Slurm job arrays \
        (SLURM_ARRAY_TASK_ID/COUNT) or Kubernetes Indexed Jobs (JOB_COMPLETION_INDEX with \
        LOUPE_SHARD_COUNT) set it; each worker writes its part with --output, and \
        `loupe merge` joins the parts. At the end a line on standard error gives images \
        per second and each image's latency through decode and scoring (median and 99th \
        percentile; --quiet leaves it out).

        Examples:
          loupe infer --run runs/pcb line3/today/
          loupe infer --run runs/pcb --shard 3/8 --output parts/3.csv /data/frames
          loupe merge parts/*.csv --output scores.csv
        """
    )

    @Option(name: .customLong("run"), help: "Run folder written by `loupe train`.", completion: .directory)
    var runFolder: String

    @Argument(help: "Image files, or folders searched for images (sub-folders too).", completion: .file())
    var images: [String]

    @Option(help: "This worker's shard, i/n with i counted from 0.")
    var shard: String?

    @Option(help: "Write this shard's scores as CSV here (a part for `loupe merge`).", completion: .file(extensions: ["csv"]))
    var output: String?

    @Option(help: "Decision threshold on image scores (default: the run's).")
    var threshold: Float?

    @Option(help: "Write an overlay PNG of each image and its heat map into this folder.", completion: .directory)
    var overlays: String?

    @Option(help: "Colour map of overlays: \(ColourMap.allCases.map(\.rawValue).joined(separator: ", ")).")
    var colourMap = ColourMap.turbo.rawValue

    @Option(help: ArgumentHelp("Write each image's anomaly map as float32 .npy into this folder (numpy.load reads it).",
                               discussion: "Frame pixels, height×width, named like the overlays (hole-000.npy)."), completion: .directory)
    var maps: String?

    @Flag(help: "Print one JSON object per image.")
    var json = false

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image or folder") }
        guard ColourMap(rawValue: colourMap) != nil else { throw ValidationError("unknown colour map '\(colourMap)'") }
        if let shard { _ = try Shard(parsing: shard) }
    }

    @Option(help: "The ROI run the detector was trained with, if it has moved (default: the recorded one).", completion: .directory)
    var roi: String?

    @OptionGroup(title: "Engine")
    var engine: EngineOptions

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    func run() throws {
        try engine.apply()
        progress.apply()
        let shard = try self.shard.map(Shard.init(parsing:)) ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment) ?? .whole
        let files = try InferenceJob.expand(images)
        let job = InferenceJob(run: RunFolder(runFolder), images: files, shard: shard, threshold: threshold, overlays: overlays,
                               colourMap: ColourMap(rawValue: colourMap)!, regionRun: roi, maps: maps)
        var part = ScoreParts.header(shard: shard, run: runFolder)
        let bar = ProgressBar(label: "scoring \(shard)", total: shard.select(files).count)
        var done = 0
        var latencies: [InferenceJob.Latency] = []
        let started = DispatchTime.now().uptimeNanoseconds
        try job.start(scored: { result in
            part += ScoreParts.row(result)
            done += 1
            latencies.append(result.latency)
            if !result.score.isFinite {
                FileHandle.standardError.write(Data((NonFiniteScores.warning([result.path]) + "\n").utf8))
            }
            if result.partMissing {
                FileHandle.standardError.write(Data("\(result.path): the ROI segmenter found no part; scored the whole frame\n".utf8))
            }
            if output != nil { bar.update(done) }
            guard output == nil else { return }
            let verdict = result.isDefect.map { $0 ? "defect" : "good" } ?? "-"
            if json {
                JSONLine.print(ScoreLine(file: result.path, score: JSONNumber(Double(result.score)), verdict: verdict))
            } else {
                print("\(result.path)\t\(String(format: "%.5f", result.score))\t\(verdict)")
            }
        })
        bar.finish()
        if !progress.quiet { reportSpeed(latencies, seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9) }
        if let output {
            try RunFolder.write(Data(part.utf8), to: output)
            FileHandle.standardError.write(Data("wrote \(done) scores of shard \(shard) to \(output)\n".utf8))
        }
    }
}

extension Infer {
    /// Throughput over the whole command (loading the run included) and the latency of one
    /// image through decode and scoring, on standard error so the scores stay clean.
    func reportSpeed(_ latencies: [InferenceJob.Latency], seconds: Double) {
        guard let total = LatencySummary(milliseconds: latencies.map(\.total)),
              let decode = LatencySummary(milliseconds: latencies.map(\.decode)),
              let score = LatencySummary(milliseconds: latencies.map(\.score)) else { return }
        let line = String(format: "%d images in %.1f s: %.1f images/s; per image p50 %.1f ms, p99 %.1f ms "
                          + "(decode p50 %.1f / p99 %.1f, score p50 %.1f / p99 %.1f)\n",
                          total.count, seconds, Double(total.count) / max(seconds, 1e-9), total.median, total.percentile99,
                          decode.median, decode.percentile99, score.median, score.percentile99)
        FileHandle.standardError.write(Data(line.utf8))
    }
}

/// `loupe merge`: join the parts of a sharded `loupe infer`.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the score parts of a sharded `loupe infer` into one CSV.",
        discussion: "Every shard 0…n−1 must be present once, scored with the same run; rows are sorted by file."
    )

    @Argument(help: "Part files written by `loupe infer --shard i/n --output PART`.")
    var parts: [String]

    @Option(help: "Merged CSV to write (default: standard output).")
    var output: String?

    func run() throws {
        let merged = try ScoreParts.merge(parts)
        if let output {
            try RunFolder.write(Data(merged.utf8), to: output)
        } else {
            print(merged, terminator: "")
        }
    }
}

/// `infer --json`'s line for one image; a score that is not a number prints as null.
private struct ScoreLine: Encodable {
    let file: String, score: JSONNumber<Double>, verdict: String
}
