import ArgumentParser
import Foundation
import LoupeConsole
import LoupeData
import LoupeEngine
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor

/// Loupe: knowledge-distillation anomaly detection for inspection lines.
@main
struct Loupe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loupe",
        abstract: "Train, evaluate and inspect knowledge-distillation anomaly detectors.",
        discussion: """
        Loupe learns what good parts look like from images of good parts only, then scores \
        new images and shows where they differ.

        Exit status: 0 success, 1 the input is wrong (a file, folder, option or weights; the \
        message says which), 2 an internal error (please report it).
        """,
        version: LoupeVersion.current,
        subcommands: [Train.self, Evaluate.self, Compare.self, Export.self, Infer.self, Merge.self, ConsoleCommand.self, Classify.self, DataCommand.self, Weights.self, RegionCommand.self]
    )

    /// Runs the command with the exit statuses the discussion promises.
    static func main() {
        AllocatorTuning.keepFreedMemoryForReuse()
        ChildProcess.exitWithParentIfAsked()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            // Parsing and every command's validate() judge only what the user typed: whatever
            // they throw (a ValidationError, a ShardError, …) is the input's fault, status 1.
            if exitCode(for: error) == .success { Self.exit(withError: error) }  // --help, --version
            FileHandle.standardError.write(Data((oneLine(error) + "\n").utf8))
            Foundation.exit(1)
        }
        do {
            try command.run()
        } catch {
            exit(withStatusFor: error)
        }
    }

    /// A parsing or validation error as one line, with where to read more:
    /// "loupe eval: --mask-pattern needs --masks (see `loupe eval --help`)".
    static func oneLine(_ error: Error) -> String {
        let names = Set(configuration.subcommands.map { $0._commandName } + DataCommand.configuration.subcommands.map { $0._commandName }
                        + RegionCommand.configuration.subcommands.map { $0._commandName })
        let command = (["loupe"] + CommandLine.arguments.dropFirst().prefix { names.contains($0) }).joined(separator: " ")
        let text = message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
        return "\(command): \(text.hasPrefix("Error: ") ? String(text.dropFirst(7)) : text) (see `\(command) --help`)"
    }

    /// Errors about the user's input: files, folders, weights, options.
    static func isUserError(_ error: Error) -> Bool {
        error is UserInputError || error is ValidationError
    }

    static func exit(withStatusFor error: Error) -> Never {
        if let code = error as? ExitCode { Foundation.exit(code.rawValue) }
        let argumentCode = exitCode(for: error)
        if argumentCode == .success {
            // --help, --version: ArgumentParser prints them.
            Self.exit(withError: error)
        }
        if isUserError(error) {
            FileHandle.standardError.write(Data("loupe: \(error)\n".utf8))
            Foundation.exit(1)
        }
        if argumentCode == .validationFailure {
            FileHandle.standardError.write(Data((oneLine(error) + "\n").utf8))
            Foundation.exit(1)
        }
        FileHandle.standardError.write(Data("loupe: internal error: \(error)\n".utf8))
        Foundation.exit(2)
    }
}
