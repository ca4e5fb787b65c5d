import LoupeTensor
import Testing

/// A shape mismatch stops with a message naming the op and both shapes; exit tests run
/// the failing call in a child process and read what it printed.
@Suite struct ShapeErrorTests {
    @Test func broadcastMismatchNamesOpAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 5, 7, 9]) + Tensor.zeros([4, 1, 1])
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("add") && message.contains("[3, 5, 7, 9]") && message.contains("[4, 1, 1]"), "\(message)")
    }

    @Test func convolutionMismatchNamesBothShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3, 8, 8]).conv2d(weight: Tensor.zeros([4, 5, 3, 3]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("conv2d") && message.contains("[2, 3, 8, 8]") && message.contains("[4, 5, 3, 3]"))
    }
}
