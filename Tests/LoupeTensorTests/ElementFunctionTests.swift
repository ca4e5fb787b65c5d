import Foundation
@testable import LoupeTensor
import Testing

/// The branch-free eˣ and erf that GELU uses, against libm (an independent implementation)
/// over their whole useful range, in steps fine enough to cross every reduction boundary.
@Suite struct ElementFunctionTests {
    @Test func exponentialMatchesLibm() {
        var worst: Double = 0
        for i in -87_000...88_000 {
            let x = Float(i) / 1000
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(ElementFunctions.exponential(x)) - exact) / exact)
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
    }

    @Test func errorFunctionMatchesLibm() {
        var worst: Double = 0
        for i in -60_000...60_000 {
            let x = Float(i) / 10_000
            worst = max(worst, abs(Double(ElementFunctions.errorFunction(x)) - Foundation.erf(Double(x))))
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
        #expect(ElementFunctions.errorFunction(0) == 0 && ElementFunctions.errorFunction(20) == 1 && ElementFunctions.errorFunction(-20) == -1)
    }
}

extension ElementFunctionTests {
    /// The sigmoid built on `exponential`, against libm's in Double, saturating cleanly at both ends.
    @Test func sigmoidMatchesLibm() {
        var worst: Double = 0
        for i in -100_000...100_000 {
            let x = Float(i) / 1000
            let exact = 1 / (1 + Foundation.exp(-Double(x)))
            worst = max(worst, abs(Double(ElementFunctions.Sigmoid()(x)) - exact))
        }
        #expect(worst < 2e-7, "worst absolute error \(worst)")
        #expect(ElementFunctions.Sigmoid()(200) == 1 && ElementFunctions.Sigmoid()(-200) >= 0)
    }
}
