import LoupeTensor

/// Why a data set cannot be used; each case names the folder or file.
public enum DatasetError: UserInputError, Equatable {
    case missingFolder(path: String, role: String)
    case noImages(path: String, role: String)
    case unknownLayout(path: String)
    /// A split table that cannot be read; `line` is 1-based (0: the file itself).
    case badSplitTable(path: String, line: Int, problem: String)
    /// A VisA object folder without the data set's `split_csv/1cls.csv`.
    case missingSplitTable(path: String, expected: String)
    /// A table (or VisA root) of several objects, where one must be chosen.
    case severalObjects(path: String, objects: [String])
    case unknownObject(path: String, object: String, objects: [String])
    /// A mask whose size differs from its image's: it would be stretched over the wrong pixels.
    case maskSizeMismatch(mask: String, maskSize: String, image: String, imageSize: String)
    /// Images or masks a split table lists that do not exist.
    case missingListedFiles(table: String, first: String, count: Int)
    /// A mask folder (MVTec LOCO: one file per defect region) without any image in it.
    case emptyMaskFolder(path: String)
    /// No folder of synthetic-defect textures was given and the shipped one is not found.
    case noTextures(searched: [String])

    public var description: String {
        switch self {
        case let .missingFolder(path, role): return "\(path): \(role) folder does not exist"
        case let .noImages(path, role): return "\(path): no images in the \(role) folder (Loupe reads PNG, JPEG, BMP and TIFF)"
        case let .unknownLayout(path):
            return "\(path): not a data set layout Loupe knows: expected an MVTec AD folder (train/good, test/<kind>), "
                + "an MVTec AD 2 object folder (train/good, test_public), an MVTec LOCO object folder (ground_truth/<kind>/<stem>/), "
                + "a BTAD product folder (train/ok), KolektorSDD (part folders with PartN_label masks), "
                + "a VisA object folder (Data/Images, with split_csv/1cls.csv beside it) or a split .csv file; "
                + "use --good/--defect/--masks for plain folders"
        case let .badSplitTable(path, line, problem): return line > 0 ? "\(path):\(line): \(problem)" : "\(path): \(problem)"
        case let .missingSplitTable(path, expected):
            return "\(path): a VisA object folder, but its split table \(expected) does not exist; pass a split .csv with --data instead"
        case let .severalObjects(path, objects):
            return "\(path): lists several objects (\(objects.joined(separator: ", "))); train one at a time: --data <VisA root>/\(objects.first ?? "object")"
        case let .unknownObject(path, object, objects):
            return "\(path): has no rows for object '\(object)' (it lists \(objects.joined(separator: ", ")))"
        case let .maskSizeMismatch(mask, maskSize, image, imageSize):
            return "\(mask): mask is \(maskSize) but its image \(image) is \(imageSize); a mask must have its image's size (`loupe data check` lists every such pair)"
        case let .missingListedFiles(table, first, count):
            return "\(table): lists \(count) file\(count == 1 ? "" : "s") that do not exist, first \(first)"
        case let .emptyMaskFolder(path): return "\(path): mask folder holds no image (MVTec LOCO keeps one PNG per defect region in it)"
        case let .noTextures(searched):
            return "no folder of synthetic-defect textures: looked in \(searched.joined(separator: ", ")); "
                + "pass --textures DIR (any images), set LOUPE_TEXTURES, or `make install` Loupe with its textures"
        }
    }
}
