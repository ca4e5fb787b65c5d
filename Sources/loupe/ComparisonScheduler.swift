import ArgumentParser
import Foundation
import LoupeEngine
import LoupeModels
import LoupeTensor

/// Trains and evaluates a comparison's runs, `lanes` at a time (each lane pinned to its own
/// core), skipping what an earlier call finished, and reports each run's epochs with an
/// estimate for the whole comparison.
final class ComparisonScheduler: @unchecked Sendable {
    private struct Job {
        let number: Int
        let variant: ComparisonVariant
        let seed: UInt64
        /// The job whose training this one scores differently, if any (`Compare.sharedTrainings`).
        let trainer: Int?
        var label: String { "\(variant) seed \(seed)" }
    }

    private let folder: ComparisonFolder
    private let jobs: [Job]
    private let epochs: Int
    private let lanes: Int
    private let teacherArguments: [String]
    /// How each variant that shares another's training scores (its seed is the job's).
    private let scoring: [ComparisonVariant: TrainingConfiguration]
    /// Prints a progress line (or not, with --quiet).
    private let say: @Sendable (String) -> Void

    private let lock = NSLock()
    private var next = 0
    private var running: [Int: Int] = [:]  // job number → epochs reported
    private var finishedJobs = Set<Int>()
    private var failure: (message: String, status: Int32)?
    private var epochSeconds: [ComparisonVariant: Double] = [:]

    /// `shared`: the variants that differ from an earlier one only in how they score; each
    /// takes that variant's training, scored as its own settings say, on the same lane.
    init(folder: ComparisonFolder, variants: [ComparisonVariant], shared: [ComparisonVariant: Compare.SharedTraining], seeds: [UInt64], epochs: Int,
         lanes: Int, teacherArguments: [String], say: @escaping @Sendable (String) -> Void) {
        // Seed by seed: an interrupted comparison already has every variant's first seed.
        var jobs: [Job] = []
        for seed in seeds {
            let first = jobs.count + 1
            for variant in variants {
                let trainer = shared[variant].flatMap { variants.firstIndex(of: $0.trainer) }.map { first + $0 }
                jobs.append(Job(number: jobs.count + 1, variant: variant, seed: seed, trainer: trainer))
            }
        }
        (self.folder, self.jobs, self.epochs, self.lanes, self.teacherArguments, self.say) = (folder, jobs, epochs, lanes, teacherArguments, say)
        scoring = shared.mapValues(\.scoring)
    }

    /// Runs every job; on a run that fails, starts no other, waits for the ones training,
    /// prints the failure and exits with 1 (the run refused its input) or 2.
    func runAll() throws {
        let kept = jobs.filter { folder.state(of: $0.variant, seed: $0.seed) == .finished }.count
        let (variantCount, seedCount) = (Set(jobs.map(\.variant)).count, Set(jobs.map(\.seed)).count)
        say("compare: \(jobs.count) run\(jobs.count == 1 ? "" : "s") (\(variantCount) variant\(variantCount == 1 ? "" : "s") × \(seedCount) seed\(seedCount == 1 ? "" : "s"), \(epochs) epoch\(epochs == 1 ? "" : "s") each)"
            + (kept > 0 ? ", \(kept) finished earlier" : "") + (lanes > 1 ? ", \(lanes) at a time" : "") + " in \(folder.path)")
        let cores = AllowedCores.list
        let done = DispatchGroup()
        for lane in 0..<min(lanes, jobs.count) {
            done.enter()
            let pinned = lanes > 1 ? [cores[lane % cores.count]] : nil
            Thread.detachNewThread {
                self.work(pinnedTo: pinned)
                done.leave()
            }
        }
        while done.wait(timeout: .now() + 2) == .timedOut { reportEpochs() }
        if let failure {
            FileHandle.standardError.write(Data(("loupe compare: " + failure.message + "\n").utf8))
            throw ExitCode(failure.status == 1 ? 1 : 2)
        }
    }

    /// The next job that trains; the jobs sharing its training follow it on the same lane.
    private func take() -> Job? {
        lock.withLock {
            while failure == nil, next < jobs.count {
                defer { next += 1 }
                if jobs[next].trainer == nil { return jobs[next] }
            }
            return nil
        }
    }

    private func work(pinnedTo cores: [Int]?) {
        let engine = cores.map { ["--cores", $0.map(String.init).joined(separator: ","), "--threads", "\($0.count)"] } ?? []
        while let job = take() {
            for each in [job] + jobs.filter({ $0.trainer == job.number }) {
                let failed: (message: String, status: Int32)?
                do {
                    failed = try run(each, engine: engine)
                } catch {
                    failed = ("\(each.label): \(error)", 2)
                }
                if let failed { lock.withLock { if failure == nil { failure = failed } } }
                lock.withLock {
                    running[each.number] = nil
                    finishedJobs.insert(each.number)
                }
                if failed != nil { break }
            }
        }
    }

    /// Trains (or resumes) and evaluates one run; a child that failed is returned with its
    /// message and exit status.
    private func run(_ job: Job, engine: [String]) throws -> (message: String, status: Int32)? {
        let run = folder.run(job.variant, seed: job.seed)
        let log = folder.log(of: run)
        let prefix = "[\(job.number)/\(jobs.count)] \(job.label)"
        let started = Date()
        var train: [String]?
        switch folder.state(of: job.variant, seed: job.seed) {
        case .finished:
            say("\(prefix): finished earlier, kept")
            return nil
        case .trained:
            say("\(prefix): trained earlier, evaluating")
        case .stopped where job.trainer != nil, .fresh where job.trainer != nil:
            let trainer = jobs[job.trainer! - 1]
            say("\(prefix): scoring the training of \(trainer.label)")
            let trained = folder.run(trainer.variant, seed: trainer.seed)
            var scoring = scoring[job.variant]!
            scoring.seed = job.seed
            try run.adoptTraining(of: trained, scoringAs: scoring)
            // The table's memory is the training's, as for every other run.
            if let peak = folder.peakMemory(of: trained) { try folder.recordPeakMemory(peak, of: run) }
        case let .stopped(epoch):
            say("\(prefix): stopped after epoch \(epoch) earlier, resuming")
            train = ["train", "--run", run.path, "--resume"]
        case .fresh:
            try? FileManager.default.removeItem(atPath: run.path)
            try RunFolder.createFolder(run.path)
            say("\(prefix): training")
            train = ["train", "--config", folder.settings, "--run", run.path, "--method", job.variant.method] + job.variant.arguments
                + teacherArguments + ["--seed", "\(job.seed)"]
        }
        if let train {
            lock.withLock { running[job.number] = 0 }
            if let failed = try step(train + engine, run: run, log: log, prefix: prefix) { return failed }
        }
        if let failed = try step(["eval", "--run", run.path, "--json"] + engine, run: run, log: log, prefix: prefix) { return failed }
        let seconds = Date().timeIntervalSince(started)
        if let result = folder.result(of: job.variant, seed: job.seed) {
            let m = result.metrics
            let shown = [("I-AUROC", m.imageAUROC), ("AUPRO", m.aupro), ("P-AP", m.pixelAveragePrecision)].compactMap { name, value in
                value.map { String(format: "%@ %.1f", name, 100 * $0) }
            }
            say("\(prefix): done in " + (seconds < 90 ? "\(Int(seconds.rounded())) s" : "\(Int((seconds / 60).rounded())) min") + ": " + shown.joined(separator: ", "))
        }
        return nil
    }

    /// One child command; its peak memory is recorded whatever its outcome. A failure comes
    /// back with the log's last lines and the child's exit status.
    private func step(_ arguments: [String], run: RunFolder, log: String, prefix: String) throws -> (message: String, status: Int32)? {
        let outcome = try ChildProcess.run(arguments, log: log)
        try? folder.recordPeakMemory(outcome.peakMemoryBytes, of: run)
        guard outcome.status != 0 else { return nil }
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(4).map { "  " + $0 }
        return ("\(prefix): `loupe \(arguments[0])` failed (exit \(outcome.status)); its log is \(log)"
                + (tail.isEmpty ? "" : ":\n" + tail.joined(separator: "\n")), outcome.status)
    }

    /// Prints a line for every epoch a training run finished since the last call, with the
    /// time left in the whole comparison.
    private func reportEpochs() {
        let watched = lock.withLock { running }
        for (number, reported) in watched.sorted(by: { $0.key < $1.key }) {
            let job = jobs[number - 1]
            let run = folder.run(job.variant, seed: job.seed)
            guard let epoch = try? Checkpoint.readMetadata(run.checkpoint).epoch, epoch > reported else { continue }
            lock.withLock { if running[number] != nil { running[number] = epoch } }
            // The latest epoch's time: a method's later stage (a segmentation network) may be slower than its first.
            if let seconds = TrainLog.epochSeconds(at: run.trainLog).last { lock.withLock { epochSeconds[job.variant] = seconds } }
            say("[\(number)/\(jobs.count)] \(job.label): epoch \(epoch)/\(epochs)" + remaining())
        }
    }

    /// "· about 12 min left": the epochs still to train, each at its variant's latest epoch
    /// time (the slowest known variant's where none is known yet), spread over the lanes.
    private func remaining() -> String {
        let (known, done, progress) = lock.withLock { (epochSeconds, finishedJobs, running) }
        guard !known.isEmpty else { return "" }
        let fallback = known.values.max() ?? 0  // an unseen variant: rather late than early
        var seconds = 0.0
        for job in jobs where !done.contains(job.number) && job.trainer == nil {
            let trained = progress[job.number] ?? 0
            seconds += Double(max(epochs - trained, 0)) * (known[job.variant] ?? fallback)
        }
        seconds /= Double(lanes)
        return seconds < 90 ? " · about \(Int(seconds.rounded())) s left" : seconds < 5400 ? " · about \(Int((seconds / 60).rounded())) min left"
            : String(format: " · about %.1f h left", seconds / 3600)
    }
}
