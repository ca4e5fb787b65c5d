import Foundation
import LoupeModels
import LoupeTestSupport
import Testing

/// Pickles legal in the format but hostile to a reader: memo references make cycles,
/// million-level nesting and exponentially shared values a few bytes each. Each is refused
/// with a `WeightsError` naming the file, never a stack overflow, a hang or a spin.
@Suite struct HostilePickleTests {
    static func refusal(_ pickle: [UInt8]) -> String? {
        let bytes = HostileFiles.torchZip(pickle: pickle)
        do {
            _ = try WeightFile.decode(Data(bytes), source: "hostile.pth")
            return nil
        } catch let error as WeightsError {
            return error.description
        } catch {
            return "untyped: \(error)"
        }
    }

    @Test func aDictionaryThatContainsItselfIsACycle() {
        let message = Self.refusal(HostileFiles.selfContainingDictionary)
        #expect(message?.hasPrefix("hostile.pth: damaged weights file:") == true && message?.contains("contains itself") == true, "\(message ?? "accepted")")
    }

    @Test func aListThatContainsItselfUnderStateDictIsACycle() {
        let message = Self.refusal(HostileFiles.selfContainingListUnderStateDict)
        #expect(message?.contains("contains itself") == true, "\(message ?? "accepted")")
    }

    @Test func aStateDictThatIsItsOwnStateDictEnds() {
        let message = Self.refusal(HostileFiles.selfUnwrappingDictionary)
        #expect(message?.hasPrefix("hostile.pth:") == true, "\(message ?? "accepted")")
    }

    @Test func deepNestingIsRefusedByDepth() {
        for pickle in [HostileFiles.nestedLists(depth: 200_000), HostileFiles.nestedTuples(depth: 200_000)] {
            let message = Self.refusal(pickle)
            #expect(message?.contains("deeper than 1000 levels") == true, "\(message ?? "accepted")")
        }
        // Nesting a real file could have is read as far as the depth limit allows.
        #expect(Self.refusal(HostileFiles.nestedLists(depth: 900))?.contains("deeper") != true)
        #expect(Self.refusal(HostileFiles.nestedTuples(depth: 900))?.contains("deeper") != true)
    }

    @Test func exponentiallySharedTuplesAreRefusedByCount() {
        let start = Date()
        let message = Self.refusal(HostileFiles.doublingTuples(levels: 64))
        #expect(message?.contains("more than 1000000 pickled values") == true, "\(message ?? "accepted")")
        #expect(Date().timeIntervalSince(start) < 5)
    }
}
