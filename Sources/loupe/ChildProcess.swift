import CProcessControl
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Another `loupe` command run to its end, its output appended to a log file: how
/// `loupe compare` trains and evaluates each run, so one run's crash or kill stays its own
/// and the kernel reports each run's peak memory.
struct ChildProcess {
    /// The environment variable telling a child to end with the comparison that started it
    /// (`exitWithParentIfAsked`), so a killed comparison leaves no run training on.
    static let parentVariable = "LOUPE_EXIT_WITH_PARENT"

    struct Outcome {
        /// The exit status, or 128 + the signal that ended it.
        let status: Int32
        let peakMemoryBytes: Int
    }

    /// This executable's path, for starting it again.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs `loupe arguments…` with standard output and error appended to `log`.
    static func run(_ arguments: [String], log: String) throws -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var environment = ProcessInfo.processInfo.environment
        environment[parentVariable] = String(getpid())
        let path = executable
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard spawned == 0 else { throw ChildProcessError(command: arguments.first ?? "", reason: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not see.
        let signal = status & 0x7f
        return Outcome(status: signal == 0 ? (status >> 8) & 0xff : 128 + signal, peakMemoryBytes: usage.ru_maxrss * 1024)
    }

    /// In a child a comparison started: die with the comparison (a killed `loupe compare`
    /// would otherwise leave its runs training, racing the next call on their folders).
    static func exitWithParentIfAsked() {
        guard let text = ProcessInfo.processInfo.environment[parentVariable], let parent = pid_t(text) else { return }
        unsetenv(parentVariable)
        if loupe_exit_with_parent(parent) != 0 { exit(1) }
    }
}

/// A child could not be started at all.
struct ChildProcessError: Error, CustomStringConvertible {
    let command: String, reason: String
    var description: String { "cannot start `loupe \(command)`: \(reason)" }
}
