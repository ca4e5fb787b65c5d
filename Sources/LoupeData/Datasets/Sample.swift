/// One image of a data set, with where it belongs.
public struct Sample: Hashable, Sendable {
    public enum Split: String, Sendable, Codable { case train, test }

    public let path: String
    public let split: Split
    /// "good" or the defect kind (the MVTec folder name, e.g. "scratch").
    public let kind: String
    /// The ground-truth mask, when the data set has one for this image.
    public let maskPath: String?

    public init(path: String, split: Split, kind: String, maskPath: String? = nil) {
        self.path = path
        self.split = split
        self.kind = kind
        self.maskPath = maskPath
    }

    public var isGood: Bool { kind == Dataset.goodKind }
    /// The file name without folder or extension.
    public var stem: String { path.fileStem }
}

extension String {
    /// The name without its last extension ("a.b.png" → "a.b").
    var removingExtension: String {
        guard let dot = lastIndex(of: "."), dot != startIndex else { return self }
        return String(self[..<dot])
    }
}
