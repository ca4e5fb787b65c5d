/// Why a data set folder cannot be used; each case names the folder.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case missingFolder(path: String, role: String)
    case noImages(path: String, role: String)
    case unknownLayout(path: String)

    public var description: String {
        switch self {
        case let .missingFolder(path, role): return "\(path): \(role) folder does not exist"
        case let .noImages(path, role): return "\(path): no PNG images in the \(role) folder"
        case let .unknownLayout(path):
            return "\(path): not an MVTec-style data set (expected train/good and test/<kind>); use --good/--defect for a plain folder layout"
        }
    }
}
