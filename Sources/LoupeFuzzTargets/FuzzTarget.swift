import Foundation

/// One reader of bytes Loupe did not write, as a function of any bytes: it must return
/// (a value or a typed error), never crash, hang, or leak. `make fuzz` runs each under
/// libFuzzer and AddressSanitizer (Fuzz/); `make test` replays each one's committed corpus
/// and regression inputs through the same function (`FuzzCorpusTests`).
public struct FuzzTarget: Sendable {
    /// Its name: the folder of its corpus (`Fuzz/Corpus/NAME`) and `LOUPE_FUZZ_TARGET`.
    public let name: String
    /// What it reads, for `docs/reliability.md`.
    public let reads: String
    public let run: @Sendable ([UInt8]) -> Void

    /// Every target, one per reader.
    public static let all: [FuzzTarget] = [
        .images, .imageSizes, .safeTensors, .torchWeights, .pickles, .configuration, .reviewJournal,
        .scoreParts, .scores, .splitTable, .trainLog, .runRecord, .checkpointMetadata, .regionRecord,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// Runs `body` on a file holding `bytes` (for readers that take a path), in memory-backed
/// `/dev/shm` when there is one; the file is reused across inputs of one process.
func withFile<Result>(_ bytes: [UInt8], named name: String, _ body: (String) throws -> Result) rethrows -> Result {
    try body(scratchFile(name, bytes))
}

/// A per-process scratch folder for readers that take a run folder.
let scratchFolder: String = {
    let base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(base)/loupe-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// Writes `bytes` to `name` in the scratch folder and returns its path.
@discardableResult
func scratchFile(_ name: String, _ bytes: [UInt8]) -> String {
    let path = scratchFolder + "/" + name
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return path
}

/// The input split at its first NUL byte: two files from one input (a header and a body).
func halves(_ bytes: [UInt8]) -> ([UInt8], [UInt8]) {
    guard let split = bytes.firstIndex(of: 0) else { return (bytes, []) }
    return (Array(bytes[..<split]), Array(bytes[(split + 1)...]))
}
