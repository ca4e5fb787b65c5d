import LoupeTensor

/// One worker's share of a large scoring job: images `index, index + count, …` of the
/// sorted list, so shards are balanced and their union is every image exactly once.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else { throw ShardError.outOfRange(index: index, count: count) }
        self.init(validIndex: index, count: count)
    }

    /// Every image: one shard of one.
    public static let whole = Shard(validIndex: 0, count: 1)

    private init(validIndex: Int, count: Int) {
        index = validIndex
        self.count = count
    }

    /// "i/n" with i counted from 0.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { throw ShardError.unreadable(text) }
        try self.init(index: index, count: count)
    }

    /// The shard a batch scheduler assigned through the environment: Slurm job arrays
    /// (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT; IDs counted from SLURM_ARRAY_TASK_MIN)
    /// or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, with the count from
    /// LOUPE_SHARD_COUNT). nil when neither is set.
    public static func fromEnvironment(_ environment: [String: String]) throws -> Shard? {
        if let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) {
            guard let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) else { throw ShardError.missingCount("SLURM_ARRAY_TASK_COUNT") }
            let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            return try Shard(index: id - first, count: count)
        }
        if let index = environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            guard let count = environment["LOUPE_SHARD_COUNT"].flatMap(Int.init) else { throw ShardError.missingCount("LOUPE_SHARD_COUNT") }
            return try Shard(index: index, count: count)
        }
        return nil
    }

    /// This shard's items of a sorted list.
    public func select<T>(_ items: [T]) -> [T] {
        stride(from: index, to: items.count, by: count).map { items[$0] }
    }

    public var description: String { "\(index)/\(count)" }
}

public enum ShardError: UserInputError, Equatable {
    case unreadable(String)
    case outOfRange(index: Int, count: Int)
    case missingCount(String)
    case incompleteParts(missing: [Int], count: Int)
    case mixedParts(String)

    public var description: String {
        switch self {
        case let .unreadable(text): return "shard '\(text)' is not of the form i/n (e.g. 0/8)"
        case let .outOfRange(index, count): return "shard \(index)/\(count): the index must be 0…\(count - 1)"
        case let .missingCount(variable): return "a shard index is set but \(variable) is not: set it to the number of shards"
        case let .incompleteParts(missing, count):
            // The merge lists at most the first ten.
            let first = missing.count == 10 ? " (the first ten)" : ""
            return "shards \(missing.map(String.init).joined(separator: ", "))\(first) of \(count) are missing"
        case let .mixedParts(detail): return "these parts do not belong together: \(detail)"
        }
    }
}
