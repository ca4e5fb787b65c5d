import LoupeTensor

/// Why a comparison cannot start or go on; each case names the variant, folder or setting.
public enum ComparisonError: UserInputError, Equatable {
    case badVariant(String, reason: String)
    case badSeeds(String)
    /// The folder holds a comparison started with other shared settings.
    case settingChanged(file: String, key: String, recorded: String, given: String)
    /// Another `loupe compare` is working in the folder.
    case folderInUse(path: String)
    /// Ranking needs labelled defects in the test set.
    case noDefectiveTestImages(data: String)

    public var description: String {
        switch self {
        case let .badVariant(text, reason):
            return "--methods: '\(text)': \(reason) (write a method and its options as rd-mff:no-transformer+heads=2)"
        case let .badSeeds(text): return "--seeds: '\(text)' is not a comma-separated list of whole numbers from 0, e.g. 0,1,2"
        case let .settingChanged(file, key, recorded, given):
            return "\(file): this comparison was started with \(key) = \(recorded), this call asks for \(given); "
                + "compare in another --runs folder, or give the same settings to go on with this one"
        case let .folderInUse(path): return "\(path): another `loupe compare` is working in this folder; wait for it or use another --runs folder"
        case let .noDefectiveTestImages(data):
            return "\(data): no defective test images, so there is nothing to rank the methods by; "
                + "comparing needs labelled defects (with masks for the pixel metrics). To score images without labels, use `loupe infer`"
        }
    }

}
