import Foundation

/// The cores this process may use. Foundation's `activeProcessorCount` counts the
/// machine's cores even under `taskset`, a cpuset, a batch scheduler's core binding or a
/// container's CPU quota, and one thread per counted core then takes turns on the allowed
/// ones (two threads on one pinned core: each loop's second half waits for a time slice).
public enum AllowedCores {
    /// This process's cores: Foundation's count, at most the affinity mask's cores and at
    /// most its CPU quota rounded up (`count(of:)`).
    static var count: Int { count(of: "self") }

    /// The cores process `process` ("self" or a PID) may use: the cores in its affinity
    /// mask (`Cpus_allowed_list` in /proc/PID/status) and its cgroups' CPU quota, never
    /// more than Foundation's count; Foundation's count where neither can be read.
    static func count(of process: String) -> Int {
        var allowed = max(1, ProcessInfo.processInfo.activeProcessorCount)
        if let status = contents("/proc/\(process)/status"), let mask = count(inStatus: status), mask > 0 {
            allowed = min(allowed, mask)
        }
        if let groups = contents("/proc/\(process)/cgroup"), let quota = quotaCores(cgroups: groups, reading: contents), quota > 0 {
            allowed = min(allowed, quota)
        }
        return allowed
    }

    /// The cores a /proc/PID/status text allows ("Cpus_allowed_list:\t0-3,8" → 5), nil
    /// without that line or with one it cannot read.
    static func count(inStatus status: String) -> Int? { cores(inStatus: status)?.count }

    /// The cores a /proc/PID/status text allows, in order ("Cpus_allowed_list:\t0-2,8" →
    /// 0, 1, 2, 8), nil without that line or with one it cannot read.
    static func cores(inStatus status: String) -> [Int]? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        var cores: [Int] = []
        for range in line.dropFirst("Cpus_allowed_list:".count).split(separator: ",") {
            let bounds = range.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1:
                guard let core = bounds[0] else { return nil }
                cores.append(core)
            case 2:
                guard let first = bounds[0], let last = bounds[1], first <= last else { return nil }
                cores += first...last
            default:
                return nil
            }
        }
        return cores
    }

    /// This process's cores by number, from its affinity mask (the machine's cores counted
    /// from 0 where it cannot be read): where `loupe compare` pins its lanes.
    public static var list: [Int] {
        contents("/proc/self/status").flatMap(cores(inStatus:)) ?? Array(0..<max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// The tightest CPU quota, in cores rounded up, of the cgroups a /proc/PID/cgroup text
    /// lists and their ancestors: cgroup v2's `cpu.max` ("150000 100000" → 2; "max …" is
    /// none), v1's `cpu.cfs_quota_us` over `cpu.cfs_period_us` (-1 is none). nil without one.
    static func quotaCores(cgroups: String, reading read: (String) -> String?) -> Int? {
        var limits: [Int] = []
        for line in cgroups.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 3 else { continue }
            // "/a/b" → "/a/b", "/a" and the hierarchy's root ("").
            var folders: [String] = []
            var folder = fields[2] == "/" ? "" : fields[2]
            while true {
                folders.append(folder)
                guard let slash = folder.lastIndex(of: "/") else { break }
                folder = String(folder[..<slash])
            }
            for folder in folders {
                var limit: (quota: Int, period: Int)?
                if fields[0] == "0", fields[1].isEmpty {
                    if let values = integers(read("/sys/fs/cgroup\(folder)/cpu.max")), values.count == 2 { limit = (values[0], values[1]) }
                } else if fields[1].split(separator: ",").contains("cpu") {
                    let mount = "/sys/fs/cgroup/" + fields[1] + folder
                    if let quota = integers(read(mount + "/cpu.cfs_quota_us"))?.first, let period = integers(read(mount + "/cpu.cfs_period_us"))?.first {
                        limit = (quota, period)
                    }
                }
                if let limit, limit.quota > 0, limit.period > 0 { limits.append((limit.quota + limit.period - 1) / limit.period) }
            }
        }
        return limits.min()
    }

    /// A file's whitespace-separated integers; nil if any field is not one ("max 100000").
    private static func integers(_ text: String?) -> [Int]? {
        guard let fields = text?.split(whereSeparator: \.isWhitespace), !fields.isEmpty else { return nil }
        let values = fields.compactMap { Int($0) }
        return values.count == fields.count ? values : nil
    }

    private static func contents(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }
}
