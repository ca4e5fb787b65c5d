import LoupeTensor
import Testing

/// A trace is also a profile (`loupe-bench --profile`): each forward operation once, and
/// each backward rule under the name and shapes of the operation that recorded it.
@Suite struct OperationProfileTests {
    @Test func backwardRulesAreTimedByTheOperationThatRecordedThem() {
        var generator = SeededGenerator(seed: 3)
        let x = Tensor.randomNormal([2, 3, 8, 8], using: &generator).requiringGradient()
        let weight = Tensor.randomNormal([4, 3, 3, 3], using: &generator).requiringGradient()
        let trace = OperationTrace()
        trace.record(inputs: []) { _ in
            x.conv2d(weight: weight, padding: Padding2D(1)).relu().sum().backward()
        }
        let forward = trace.nodes.map(\.operation.name)
        #expect(forward.contains("convolution") && forward.contains("relu"), "\(forward)")
        let backward = trace.backward.map(\.operation)
        #expect(backward.contains("convolution 2×3×8×8, 4×3×3×3 → 2×4×8×8"), "\(backward)")
        #expect(backward.contains("relu 2×4×8×8 → 2×4×8×8"), "\(backward)")
        #expect(!backward.contains("untraced"), "every rule was recorded by a traced operation: \(backward)")
        // Without a trace nothing is kept.
        let untraced = OperationTrace()
        x.conv2d(weight: weight, padding: Padding2D(1)).sum().backward()
        #expect(untraced.backward.isEmpty)
    }

    /// A dilated convolution records its phases and the convolution of their mosaic, a
    /// mean its sum: those rules count as the operation's, not as "untraced".
    @Test func rulesRecordedInsideAnOperationCountAsIts() {
        var generator = SeededGenerator(seed: 4)
        let x = Tensor.randomNormal([2, 24, 12, 11], using: &generator).requiringGradient()
        let weight = Tensor.randomNormal([26, 24, 3, 3], using: &generator).requiringGradient()
        let trace = OperationTrace()
        trace.record(inputs: []) { _ in
            x.conv2d(weight: weight, padding: Padding2D(2), dilation: 2).mean(alongAxes: [2, 3]).sum().backward()
        }
        let backward = trace.backward.map(\.operation)
        #expect(!backward.contains("untraced"), "\(backward)")
        let convolution = backward.filter { $0.hasPrefix("convolution (dilation 2) 2×24×12×11, 26×24×3×3") }
        let mean = backward.filter { $0.hasPrefix("mean ") }
        #expect(convolution.count >= 2 && mean.count >= 2, "\(backward)")
    }

    /// Rows name what sets an operation's cost apart: a convolution's stride and groups, a
    /// batch norm's training mode (not "unsupported", the exporter's word for it).
    @Test func rowsNameStrideGroupsAndTrainingBatchNorm() {
        var generator = SeededGenerator(seed: 5)
        let x = Tensor.randomNormal([2, 4, 8, 8], using: &generator).requiringGradient()
        let depthwise = Tensor.randomNormal([4, 1, 3, 3], using: &generator).requiringGradient()
        let norm = BatchNorm2d(4)
        let trace = OperationTrace()
        trace.record(inputs: []) { _ in
            norm(x.conv2d(weight: depthwise, stride: 2, padding: Padding2D(1), groups: 4)).sum().backward()
        }
        let backward = trace.backward.map(\.operation)
        #expect(backward.contains { $0.hasPrefix("convolution (stride 2, groups 4) 2×4×8×8") }, "\(backward)")
        #expect(backward.contains { $0.hasPrefix("batchNormalized in training mode 2×4×4×4") }, "\(backward)")
        #expect(!backward.contains { $0.contains("unsupported") }, "\(backward)")
    }
}
