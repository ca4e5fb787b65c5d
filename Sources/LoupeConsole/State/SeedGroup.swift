import Foundation
import LoupeEngine

/// The Runs view's rows with the seeds of one variant folded into one: runs that differ
/// only in their seed (same variant, teacher, input, epochs and data, and names that differ
/// only in the seed's number, as `loupe compare` names them: `rd-seed0`, `rd-seed1`) answer
/// one question, and their mean is what `loupe compare` ranks by. Runs a user named apart
/// (`first`, `second`) keep their own rows.
enum SeedGroup {
    /// `runs` with every set of two or more seeds of one variant replaced by one row
    /// (`row(of:)`), at the place of its first member. A set where a seed repeats (the same
    /// run trained twice, copies) is not a set of seeds: its runs keep their own rows.
    static func rows(_ runs: [RunSummary]) -> [RunSummary] {
        struct Key: Hashable { let name: String, variant: String?, teacher: String?, input: String?, epochs: Int?, data: String? }
        func key(_ run: RunSummary) -> Key? {
            guard run.problem == nil, let seed = run.seed, let number = run.name.range(of: String(seed), options: .backwards) else { return nil }
            return Key(name: run.name.replacingCharacters(in: number, with: "*"), variant: run.variant, teacher: run.teacher,
                       input: run.input, epochs: run.epochs, data: run.data)
        }
        var groups: [Key: [RunSummary]] = [:]
        for run in runs { if let key = key(run) { groups[key, default: []].append(run) } }
        var placed = Set<Key>()
        return runs.compactMap { run in
            guard let key = key(run), let members = groups[key], members.count > 1,
                  Set(members.compactMap(\.seed)).count == members.count else { return run }
            guard placed.insert(key).inserted else { return nil }
            return row(of: members)
        }
    }

    /// One row for `members`: their shared settings, the mean of each metric over the
    /// members that have it, the least advanced state, and a name listing the seeds.
    static func row(of members: [RunSummary]) -> RunSummary {
        let sorted = members.sorted { ($0.seed ?? 0, $0.name) < ($1.seed ?? 0, $1.name) }
        let first = sorted[0]
        var metrics: [String: Double] = [:]
        for key in Set(sorted.flatMap(\.metrics.keys)) {
            let values = sorted.compactMap { $0.metrics[key] }
            metrics[key] = values.reduce(0, +) / Double(values.count)
        }
        let seeds = sorted.compactMap(\.seed).map(String.init).joined(separator: ",")
        // "rd-mff-seed0", "rd-mff-seed1" → "rd-mff · seeds 0,1"; other names keep the first's.
        let suffixes = sorted.map { "seed\($0.seed ?? 0)" }
        let base = zip(sorted, suffixes).allSatisfy { $0.name.hasSuffix($1) }
            ? String(first.name.dropLast(suffixes[0].count)).trimmingCharacters(in: CharacterSet(charactersIn: "-_ ")) : first.name
        let name = (base.isEmpty ? first.variant ?? "runs" : base) + " · seeds " + seeds
        let folder = (first.path as NSString).deletingLastPathComponent
        return RunSummary(path: (folder as NSString).appendingPathComponent(name), method: first.method, variant: first.variant,
                          teacher: first.teacher, input: first.input, epochs: first.epochs, progress: leastAdvanced(sorted.map(\.progress)),
                          metrics: metrics, data: first.data, members: sorted)
    }

    /// The state of the member furthest from finished.
    static func leastAdvanced(_ states: [RunSummary.Progress]) -> RunSummary.Progress {
        states.min { $0.rank < $1.rank } ?? .untrained
    }
}
