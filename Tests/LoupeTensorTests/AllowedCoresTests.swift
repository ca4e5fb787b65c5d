import Foundation
@testable import LoupeTensor
import Testing

/// The engine runs one thread per core it may use: the affinity mask's cores, as
/// coreutils' `nproc` and util-linux's `taskset` count them, and at most its cgroups' CPU
/// quota, not the machine's cores.
@Suite struct AllowedCoresTests {
    @Test func readsTheKernelsList() {
        #expect(AllowedCores.count(inStatus: "Name:\tx\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\nMems_allowed:\t1\n") == 4)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t0-3,8,10-11") == 7)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t5") == 1)
        #expect(AllowedCores.cores(inStatus: "Cpus_allowed_list:\t0-2,8,10-11") == [0, 1, 2, 8, 10, 11])
        #expect(AllowedCores.count(inStatus: "Cpus_allowed:\tff") == nil)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t3-1") == nil)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\tx") == nil)
    }

    /// Quotas of the process's cgroup and its ancestors, the tightest rounded up, in both
    /// cgroup versions; in a container, whose own group is the hierarchy's root.
    @Test func readsCgroupQuotas() {
        func quota(_ cgroups: String, _ files: [String: String]) -> Int? {
            AllowedCores.quotaCores(cgroups: cgroups, reading: { files[$0] })
        }
        #expect(quota("0::/kubepods/pod1/c1\n", ["/sys/fs/cgroup/kubepods/pod1/c1/cpu.max": "150000 100000\n",
                                                  "/sys/fs/cgroup/kubepods/cpu.max": "400000 100000\n",
                                                  "/sys/fs/cgroup/cpu.max": "max 100000\n"]) == 2)
        #expect(quota("0::/a\n", ["/sys/fs/cgroup/a/cpu.max": "max 100000\n"]) == nil)
        #expect(quota("4:cpu,cpuacct:/docker/abc\n3:cpuset:/\n0::/\n",
                      ["/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "50000\n",
                       "/sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n",
                       "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                       "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us": "100000\n"]) == 1)
        #expect(quota("1:cpu:/\n", ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"]) == nil)
        // Inside a container the host's path is not mounted; the root is the container's group.
        #expect(quota("1:cpu:/docker/abc\n", ["/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"]) == 2)
    }

    /// A process in a cgroup with one core's quota counts one core (as root, where the
    /// cgroup v1 cpu hierarchy can be written; skipped elsewhere).
    @Test func aProcessUnderAOneCoreQuotaHasOneCore() throws {
        let group = "/sys/fs/cgroup/cpu/loupe-test-\(ProcessInfo.processInfo.processIdentifier)"
        guard (try? FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)) != nil else { return }
        defer { rmdir(group) }
        try "100000".write(toFile: group + "/cpu.cfs_quota_us", atomically: false, encoding: .utf8)
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        defer { kill(sleeper.processIdentifier, SIGKILL); sleeper.waitUntilExit() }
        try "\(sleeper.processIdentifier)".write(toFile: group + "/tasks", atomically: false, encoding: .utf8)
        #expect(AllowedCores.count(of: "\(sleeper.processIdentifier)") == 1)
    }

    /// The same count as `nproc`, which reads the affinity mask itself.
    @Test func countsWhatNprocCounts() throws {
        let counted = try Self.output(of: ["nproc"], environment: [:])
        #expect(Parallel.coreCount == Int(counted.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    /// A process pinned to one core by taskset reads one core in its status.
    @Test func aPinnedProcessHasOneCore() throws {
        let status = try Self.output(of: ["taskset", "-c", "0", "cat", "/proc/self/status"], environment: nil)
        #expect(AllowedCores.count(inStatus: status) == 1)
    }

    static func output(of command: [String], environment: [String: String]?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        if let environment { process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { given, _ in given } }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// The engine's thread count as batch systems set it: LOUPE_THREADS (`--threads`), then
/// OMP_NUM_THREADS, then the allowed cores; nonsense is ignored.
@Suite struct ThreadCountTests {
    @Test func environmentChoosesTheThreadCount() {
        #expect(Parallel.threads(environment: [:], allowed: 2) == 2)
        #expect(Parallel.threads(environment: ["OMP_NUM_THREADS": "3"], allowed: 2) == 3)
        #expect(Parallel.threads(environment: ["LOUPE_THREADS": "1", "OMP_NUM_THREADS": "3"], allowed: 2) == 1)
        #expect(Parallel.threads(environment: ["LOUPE_THREADS": "0", "OMP_NUM_THREADS": "x"], allowed: 2) == 2)
        #expect(Parallel.threads(environment: ["OMP_NUM_THREADS": " 4 "], allowed: 2) == 4)
        #expect(Parallel.threads(environment: ["LOUPE_THREADS": "100000"], allowed: 2) == 256)
    }
}
