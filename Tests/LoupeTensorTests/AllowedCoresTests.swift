import Foundation
@testable import LoupeTensor
import Testing

/// The engine runs one thread per core it may use: the affinity mask's cores, as
/// coreutils' `nproc` and util-linux's `taskset` count them, not the machine's.
@Suite struct AllowedCoresTests {
    @Test func readsTheKernelsList() {
        #expect(AllowedCores.count(inStatus: "Name:\tx\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\nMems_allowed:\t1\n") == 4)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t0-3,8,10-11") == 7)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t5") == 1)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed:\tff") == nil)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\t3-1") == nil)
        #expect(AllowedCores.count(inStatus: "Cpus_allowed_list:\tx") == nil)
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
