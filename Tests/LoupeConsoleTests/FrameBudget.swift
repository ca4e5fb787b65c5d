import Foundation
import LoupeConsole
import Testing

/// The console's frame budget. Not checked under a sanitizer (`make test-sanitize` sets
/// LOUPE_SANITIZER), which instruments every memory access and is slower by design.
enum FrameBudget {
    static let milliseconds = 50.0
    static var isChecked: Bool { ProcessInfo.processInfo.environment["LOUPE_SANITIZER"] == nil }

    /// Checks every frame's CPU time against the budget and prints both clocks. CPU time,
    /// because the tests run beside trainings on as few as 2 cores: a frame preempted by
    /// them takes longer by the wall clock without drawing any slower.
    static func check(_ times: FrameTimes, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let wall = times.wall.sorted(), cpu = times.cpu.sorted()
        guard let slowest = cpu.last, let slowestWall = wall.last else { return }
        print("\(what): \(cpu.count) frames; CPU median \(cpu[cpu.count / 2]) ms, slowest \(slowest) ms; "
              + "wall median \(wall[wall.count / 2]) ms, slowest \(slowestWall) ms")
        if isChecked { #expect(slowest < milliseconds, "\(what): slowest frame \(slowest) ms of CPU time", sourceLocation: sourceLocation) }
    }
}
