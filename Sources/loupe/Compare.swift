import ArgumentParser
import CProcessControl
import Foundation
import LoupeData
import LoupeEngine
import LoupeModels
import LoupeTensor
#if canImport(Glibc)
import Glibc
#endif

/// `loupe compare`: which method for my parts? Every variant trained on the same data with
/// the same settings, evaluated, and one table of the metrics over seeds and what each cost.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train and evaluate several methods on one data set and print one table: which method for these parts?",
        discussion: """
        Every variant of --methods trains once per seed with the same data and shared \
        settings, is evaluated on the test set, and the table shows per variant the mean \
        and range over seeds of image AUROC, pixel AUROC, AUPRO, pixel AP and IAP, with the \
        median epoch seconds, milliseconds per image and peak memory; the best of each column \
        is in bold. It is written to DIR/comparison.md, .csv and .json; the runs stay in DIR \
        (open them with `loupe console --runs DIR`).

        A variant is a method and its options without dashes, joined by +: \
        stu-seg:no-segmentation, rd-mff:no-transformer+heads=2.

        Interrupted (Ctrl-C, kill, a reboot), the same command goes on: finished runs are \
        kept and an interrupted run resumes from its last epoch. Other shared settings for \
        the same DIR are refused by name; more variants or seeds are added to the table. \
        Runs that share a teacher share its features through the feature cache; a variant \
        that differs from an earlier one only in how it scores (stu-seg:student-map beside \
        stu-seg) takes that one's training and is only evaluated.

        Each run is a `loupe train` and a `loupe eval` of its own; what they print goes to \
        DIR/<variant>-seed<N>/compare.log.

        Examples:
          loupe compare --data samples/texture --methods rd,sacd --runs runs/which
          loupe compare --data DeepPCB --tile 256 --tiles-per-image 2 \\
              --methods rd,sacd --seeds 0,1,2 --lanes 2 --runs runs/pcb

        \(DataOptions.layouts)
        """
    )

    @Option(help: ArgumentHelp("Variants to compare, comma-separated, e.g. rd,rd-mff,stu-seg:no-segmentation.",
                               discussion: "Methods: \(MethodRegistry.names.joined(separator: ", ")); their options: `loupe train --help`."))
    var methods: String

    @Option(help: "Seeds, comma-separated: each variant trains once per seed.")
    var seeds = "0"

    @Option(name: .customLong("runs"), help: "Folder of the comparison: its runs and its table (created if missing).", completion: .directory)
    var folder: String

    @Option(help: ArgumentHelp("Runs trained at a time, each pinned to its own core.",
                               discussion: "Two runs pinned to one core each train more per hour than one after the other on both."))
    var lanes = 1

    @OptionGroup(title: "Output")
    var progress: ProgressOptions

    @OptionGroup(title: "Data")
    var data: DataOptions

    @OptionGroup(title: "Training settings every run shares")
    var training: TrainingOptions

    @OptionGroup(title: "Tiling")
    var tiling: TilingOptions

    func validate() throws {
        _ = try plan()
        let cores = AllowedCores.list
        guard (1...max(cores.count, 1)).contains(lanes) else {
            throw ValidationError("--lanes: \(lanes); expected 1 to \(cores.count), the cores this process may use")
        }
    }

    /// What to compare: the variants, the seeds and the settings they share.
    struct Plan {
        let variants: [ComparisonVariant]
        let seeds: [UInt64]
        let shared: RunConfigurationFile
        /// Variants that differ from an earlier one only in how they score.
        let sharedTrainings: [ComparisonVariant: SharedTraining]
    }

    /// A variant trained by another (`stu-seg:student-map` by `stu-seg`), and how it scores.
    struct SharedTraining {
        let trainer: ComparisonVariant
        let scoring: TrainingConfiguration
    }

    func plan() throws -> Plan {
        let variants = try ComparisonVariant.list(methods)
        let seedList = seeds.split(separator: ",").map { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        guard !seedList.isEmpty, seedList.allSatisfy({ $0 != nil }) else { throw ComparisonError.badSeeds(seeds) }
        // The seed's range is config.toml's (`TrainingConfiguration.problem`), named by this option.
        for seed in seedList {
            var configuration = TrainingConfiguration()
            configuration.seed = seed!
            if let problem = configuration.problem { throw ValidationError("--seeds: \(problem.value); expected \(problem.expected)") }
        }
        var shared = RunConfigurationFile(configuration: TrainingConfiguration())
        // Without a method yet: how many teachers --backbone may name is each variant's rule.
        try shared.apply(training: training, choice: try MethodChoiceOptions.parse([]), tiling: tiling, data: data, startedFromFile: false,
                         checksTeachers: false)
        guard let data = shared.data else { throw ValidationError("no data set: pass --data PATH or --good DIR") }
        shared.data = data.absolute  // the runs open from any folder later (console, eval)
        // Each variant as its run will train: its options and ranges checked now, by name.
        var configurations: [TrainingConfiguration] = []
        for variant in variants {
            do {
                configurations.append(try runSettings(variant).configuration)
            } catch let error as ValidationError {
                throw ValidationError("--methods \(variant): \(error.message)")
            }
        }
        var sharedTrainings: [ComparisonVariant: SharedTraining] = [:]
        for (index, variant) in variants.enumerated() {
            if let trainer = configurations[..<index].firstIndex(where: { $0.trainsLike(configurations[index]) }) {
                sharedTrainings[variant] = SharedTraining(trainer: variants[trainer], scoring: configurations[index])
            }
        }
        var seen = Set<UInt64>()
        return Plan(variants: variants, seeds: seedList.map { $0! }.filter { seen.insert($0).inserted }, shared: shared,
                    sharedTrainings: sharedTrainings)
    }

    /// The settings a variant's run trains with (its `loupe train` checks them again).
    private func runSettings(_ variant: ComparisonVariant) throws -> RunConfigurationFile {
        var file = RunConfigurationFile(configuration: TrainingConfiguration())
        let choice = try MethodChoiceOptions.parse(["--method", variant.method] + variant.arguments)
        try file.apply(training: training, choice: choice, tiling: tiling, data: data, startedFromFile: false)
        return file
    }

    /// --backbone and --weights again for each run: a method's own default teachers would
    /// otherwise replace the shared ones.
    private var teacherArguments: [String] {
        (training.backbone.map { ["--backbone", $0] } ?? []) + (training.weights.map { ["--weights", $0] } ?? [])
    }

    /// The shared settings as comparison.toml holds them: a run config file without a method.
    static func sharedText(_ file: RunConfigurationFile) -> String {
        var lines: [String] = [
            "# The settings every run of this `loupe compare` shares; each run's method, options and seed",
            "# are its own (<variant>-seed<N>/config.toml). Another call on this folder must match them.",
        ]
        var skipping = false
        // The run file's own two header lines are replaced by the two above.
        for line in file.text.split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2) {
            if line.hasPrefix("[") { skipping = line == "[\(file.configuration.method)]" }
            // The method, the seed and the method's default image score are each run's own.
            if skipping || line.hasPrefix("method = ") || line.hasPrefix("seed = ") || line.hasPrefix("# image_score") { continue }
            lines.append(String(line))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func run() throws {
        progress.apply()
        let plan = try plan()
        let comparison = ComparisonFolder(folder)
        let source = plan.shared.data!
        let dataset = try source.open()
        let defective = dataset.testSamples.filter { !$0.isGood }
        guard !defective.isEmpty else { throw ComparisonError.noDefectiveTestImages(data: source.description) }
        try RunFolder.createFolder(comparison.path)
        let lock = try FolderLock(comparison.path + "/.compare.lock")
        defer { lock.release() }
        try comparison.adopt(settings: Self.sharedText(plan.shared))
        if !defective.contains(where: { $0.maskPath != nil }) {
            say("\(source.description): no defect masks, so the table will show image metrics only")
        }
        let quiet = progress.quiet
        let scheduler = ComparisonScheduler(folder: comparison, variants: plan.variants, shared: plan.sharedTrainings, seeds: plan.seeds,
                                            epochs: plan.shared.configuration.epochs,
                                            lanes: lanes, teacherArguments: teacherArguments, say: { Self.say($0, quiet: quiet) })
        try scheduler.runAll()
        let runs = plan.seeds.flatMap { seed in plan.variants.compactMap { comparison.result(of: $0, seed: seed) } }
        let table = ComparisonTable(runs: runs, variants: plan.variants, command: Self.commandLine)
        try RunFolder.write(table.markdown, to: comparison.markdown)
        try RunFolder.write(table.csv, to: comparison.csv)
        try RunFolder.write(table.json, to: comparison.json)
        print(table.markdown, terminator: "")
        say("wrote \(comparison.markdown), comparison.csv and comparison.json")
    }

    /// This call as typed, for the table's caption.
    static var commandLine: String {
        (["loupe"] + CommandLine.arguments.dropFirst()).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }

    func say(_ line: String) { Self.say(line, quiet: progress.quiet) }

    /// A progress line on standard error, unless --quiet.
    static func say(_ line: String, quiet: Bool) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

}

/// An exclusive lock on a file, held while one comparison works in a folder.
struct FolderLock {
    private let descriptor: Int32

    init(_ path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else { throw RunError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ComparisonError.folderInUse(path: (path as NSString).deletingLastPathComponent)
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
