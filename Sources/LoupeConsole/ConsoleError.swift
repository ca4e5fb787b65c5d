import LoupeTensor

/// Why the console cannot open what it was asked to.
public enum ConsoleError: UserInputError, Equatable {
    /// A/B compares two runs on the same images.
    case differentData(a: String, aData: String, b: String, bData: String)
    /// A/B needs run B's scores.
    case notScored(run: String)

    public var description: String {
        switch self {
        case let .differentData(a, aData, b, bData):
            return "A/B compares runs on the same data set: \(a) was trained on \(aData), \(b) on \(bData)"
        case let .notScored(run):
            return "\(run) has no scores yet: `loupe eval --run \(run)` first (or open it alone, Enter, to score it here)"
        }
    }
}
