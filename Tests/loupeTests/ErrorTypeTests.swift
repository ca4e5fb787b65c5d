import ArgumentParser
import Foundation
import LoupeConsole
import LoupeData
import LoupeEngine
import LoupeExport
import LoupeFormats
import LoupeImaging
import LoupeModels
import LoupeTensor
import Testing
@testable import loupe

/// Every error type Loupe declares, with the exit status the command line gives it: 1 for
/// the user's input (it adopts `UserInputError`), 2 for Loupe's own fault. A new error type
/// must be added here, which makes its author decide (and `everyDeclaredErrorTypeIsListed`
/// finds one that was not).
@Suite struct ErrorTypeTests {
    static let statuses: [(name: String, type: any Error.Type, status: Int32)] = [
        ("AugmentationError", AugmentationError.self, 1), ("CSVError", CSVError.self, 1), ("CSVFileError", CSVFileError.self, 1),
        ("ConsoleError", ConsoleError.self, 1), ("DatasetError", DatasetError.self, 1), ("ImageError", ImageError.self, 1),
        ("MethodError", MethodError.self, 1), ("RegionError", RegionError.self, 1), ("ReviewJournalError", ReviewJournalError.self, 1),
        ("RunError", RunError.self, 1), ("SafeTensorsError", SafeTensorsError.self, 1), ("SettingProblem", SettingProblem.self, 1),
        ("ShardError", ShardError.self, 1), ("StateDictionaryError", StateDictionaryError.self, 1), ("TOMLFileError", TOMLFileError.self, 1),
        ("TeacherError", TeacherError.self, 1), ("ThemeError", ThemeError.self, 1), ("WeightsError", WeightsError.self, 1),
        ("ValidationError", ValidationError.self, 1), ("ComparisonError", ComparisonError.self, 1), ("ExportError", ExportError.self, 1),
        // A child `loupe` that cannot be started at all (exec failed): the installation's fault.
        ("ChildProcessError", ChildProcessError.self, 2),
        // Foreign errors reaching the top are Loupe's fault: it should have named the file.
        ("CocoaError", CocoaError.self, 2), ("DecodingError", DecodingError.self, 2),
    ]

    @Test func eachTypeGetsItsStatus() {
        for (name, type, status) in Self.statuses {
            let user = type is any UserInputError.Type || type == ValidationError.self
            #expect((user ? 1 : 2) == status, "\(name) would exit \(user ? 1 : 2), listed as \(status)")
        }
    }

    @Test func everyDeclaredErrorTypeIsListed() throws {
        let sources = Loupe.repository.appendingPathComponent("Sources").path
        let pattern = try NSRegularExpression(pattern: #"(?:enum|struct|class) (\w+): [^{]*\b(?:Error|UserInputError)\b"#)
        var declared: Set<String> = []
        for case let file as String in FileManager.default.enumerator(atPath: sources)! where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: sources + "/" + file, encoding: .utf8)
            for match in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                declared.insert(String(text[Range(match.range(at: 1), in: text)!]))
            }
        }
        #expect(declared.count >= 18)
        #expect(declared.isSubset(of: Set(Self.statuses.map(\.name))), "not listed: \(declared.subtracting(Self.statuses.map(\.name)).sorted())")
    }
}
