import LoupeFormats
import LoupeTensor

/// Why a run folder cannot be used; each case names the folder or file.
public enum RunError: UserInputError, Equatable {
    case missingRun(path: String)
    case alreadyExists(path: String)
    case damagedCheckpoint(path: String, detail: String)
    case unknownMethod(path: String, found: String, known: [String])
    case noTrainingImages(path: String)
    case noTestImages(path: String)
    /// The teacher weights a run was trained with are not the ones found now.
    case teacherChanged(path: String, recorded: String, found: String)
    case unreadableFile(path: String)
    /// Streamed teacher features that vanished from the feature store during training.
    case featureStoreEntryMissing(path: String)
    /// A file or folder that could not be written (disk full, read-only, no permission).
    case cannotWrite(path: String, reason: String)
    /// A checkpoint written by a newer Loupe, in a layout this one does not know.
    case newerFormat(path: String, version: Int, supported: Int)
    /// A run asked to take over another's training that trains differently (`adoptTraining`).
    case trainedDifferently(path: String, source: String, difference: String)
    /// A run whose training other runs would share has not finished its epochs.
    case unfinishedTraining(path: String, epoch: Int, epochs: Int)
    case cancelled

    public var description: String {
        switch self {
        case let .missingRun(path): return "\(path): no run here (train one with `loupe train --run \(path)`)"
        case let .alreadyExists(path): return "\(path): a finished run is already here; pass --resume to continue it or choose another --run"
        case let .damagedCheckpoint(path, detail): return "\(path): damaged checkpoint: \(detail)"
        case let .unknownMethod(path, found, known):
            return "\(path): checkpoint of method '\(found)', which this Loupe does not know (methods: \(known.joined(separator: ", ")))"
        case let .noTrainingImages(path): return "\(path): no training images"
        case let .noTestImages(path): return "\(path): no test images"
        case let .teacherChanged(path, recorded, found):
            return "\(path): trained with teacher weights \(recorded), but found \(found): restore those files (the run records their paths)"
        case let .unreadableFile(path): return "\(path): cannot read this file"
        case let .featureStoreEntryMissing(path):
            return "\(path): teacher features streamed from the feature cache are gone or unreadable; resume with --resume to compute them again"
        case let .cannotWrite(path, reason): return "\(path): cannot write: \(reason) (a file already there is unchanged)"
        case let .newerFormat(path, version, supported):
            return "\(path): written by a newer Loupe (checkpoint format \(version); this Loupe reads up to \(supported)): update Loupe to use this run"
        case let .trainedDifferently(path, source, difference):
            return "\(path): cannot share the training of \(source): they differ in more than how they score (\(difference))"
        case let .unfinishedTraining(path, epoch, epochs):
            return "\(path): trained \(epoch) of \(epochs) epochs; finish it (`loupe train --run \(path) --resume`) before other runs share it"
        case .cancelled: return "cancelled"
        }
    }
}

extension RunError: FileWriteFailure {
    public var failedWrite: (path: String, reason: String)? {
        if case let .cannotWrite(path, reason) = self { return (path, reason) }
        return nil
    }
}
