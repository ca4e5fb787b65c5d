import Foundation
import LoupeTensor

/// Every frame's draw time, for the 50 ms budget, by two clocks: the wall clock, what the
/// operator waits, and the drawing thread's CPU time, the frame's own cost, which other
/// processes sharing the cores do not inflate.
public struct FrameTimes: Sendable {
    public private(set) var wall: [Double] = []
    public private(set) var cpu: [Double] = []

    public init() {}

    mutating func measure(_ draw: () -> Void) {
        let (wallStart, cpuStart) = (DispatchTime.now().uptimeNanoseconds, ThreadClock.milliseconds())
        draw()
        wall.append(Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e6)
        cpu.append(ThreadClock.milliseconds() - cpuStart)
    }
}
