import LoupeModels
import LoupeTensor
import Testing

/// The separable blur against its definition summed directly in Double (every output a 2-D
/// sum over the reflected neighbourhood): several planes, widths that leave a tail past the
/// eight-column vectors, and planes narrower than the radius (reflection over several periods).
@Suite struct GaussianBlurTests {
    static func reflect(_ i: Int, _ size: Int) -> Int {
        let period = 2 * size
        let m = ((i % period) + period) % period
        return m < size ? m : period - 1 - m
    }

    static func direct(_ values: [Float], planes: Int, height: Int, width: Int, blur: GaussianBlur) -> [Float] {
        let w = blur.weights, r = w.count / 2
        var out = [Float](repeating: 0, count: values.count)
        for p in 0..<planes {
            for y in 0..<height {
                for x in 0..<width {
                    var sum = 0.0
                    for dy in -r...r {
                        for dx in -r...r {
                            let value = values[p * height * width + reflect(y + dy, height) * width + reflect(x + dx, width)]
                            sum += w[dy + r] * w[dx + r] * Double(value)
                        }
                    }
                    out[p * height * width + y * width + x] = Float(sum)
                }
            }
        }
        return out
    }

    @Test(arguments: [(3, 21, 37), (2, 40, 64), (1, 5, 3), (4, 9, 17)])
    func matchesTheDirectSum(shape: (Int, Int, Int)) {
        let (planes, height, width) = shape
        var generator = SeededGenerator(seed: 11)
        let input = Tensor.randomNormal([planes, height, width], using: &generator)
        let blur = GaussianBlur(sigma: 2)
        let expected = Self.direct(input.scalars, planes: planes, height: height, width: width, blur: blur)
        let got = blur(input).scalars
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst < 2e-6, "\(shape): largest difference \(worst)")
    }
}
