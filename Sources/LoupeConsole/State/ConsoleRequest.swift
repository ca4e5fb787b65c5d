import LoupeEngine

/// Something a key asked for that only the controller can do (files, jobs); the state
/// queues it and the controller takes it after each key.
public enum ConsoleRequest: Equatable, Sendable {
    case appendMark(ReviewMark)
    case saveThreshold(Float)
    case startTraining
    case stopTraining
    case exportMarks
    case addFalsePositivesToTraining
}
