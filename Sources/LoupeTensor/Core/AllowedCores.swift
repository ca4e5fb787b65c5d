import Foundation

/// The cores this process may run on. Foundation's `activeProcessorCount` counts the
/// machine's cores even under `taskset`, a cpuset container or a batch scheduler's core
/// binding, and one thread per counted core then takes turns on the allowed ones (two
/// threads on one pinned core: each loop's second half waits for a time slice).
enum AllowedCores {
    /// The number of cores in this process's affinity mask (Linux: `Cpus_allowed_list` in
    /// /proc/self/status), never more than Foundation's count; Foundation's count where
    /// the mask cannot be read.
    static var count: Int {
        let reported = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let allowed = count(inStatus: status), allowed > 0
        else { return reported }
        return min(reported, allowed)
    }

    /// The cores a /proc/PID/status text allows ("Cpus_allowed_list:\t0-3,8" → 5), nil
    /// without that line or with one it cannot read.
    static func count(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var total = 0
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard bounds[0] != nil else { return nil }
                total += 1
            case 2:
                guard let first = bounds[0], let last = bounds[1], first <= last else { return nil }
                total += last - first + 1
            default:
                return nil
            }
        }
        return total
    }
}
