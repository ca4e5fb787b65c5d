import LoupeConsole
import Testing

/// Colour pairs as the terminal gets them: every combination of a frame has its own pair,
/// pairs are recycled least recently used, and a frame with more combinations than pairs
/// shows the rest in their nearest kept combination.
@Suite struct ColourPairTableTests {
    static func pair(_ foreground: UInt8, _ background: UInt8) -> ColourPair {
        ColourPair(foreground: .palette(foreground), background: .palette(background))
    }

    static func frame(_ pairs: [ColourPair]) -> [ColourPair: Int] { Dictionary(pairs.map { ($0, 1) }, uniquingKeysWith: +) }

    @Test func everyCombinationOfAFrameGetsItsOwnPairAboveTheOldEightBitLimit() {
        var table = ColourPairTable(capacity: 65_535)
        let pairs = (0..<2_000).map { Self.pair(UInt8($0 % 256), UInt8($0 / 256)) }
        let assignment = table.assign(Self.frame(pairs))
        #expect(Set(assignment.numbers.values).count == 2_000)
        #expect(assignment.definitions.count == 2_000)
        #expect(assignment.numbers.values.max() == 2_000)
        // Pair 300 holds what it was given (COLOR_PAIR(300) would have become pair 44).
        let holder = try! #require(assignment.numbers.first { $0.value == 300 }).key
        #expect(table.pair(numbered: 300) == holder)
        // The same frame again defines nothing new.
        #expect(table.assign(Self.frame(pairs)).definitions.isEmpty)
    }

    @Test func aFullTableRecyclesTheLeastRecentlyUsedPairAndNeverOneTheFrameShows() {
        var table = ColourPairTable(capacity: 3)
        let (a, b, c, d) = (Self.pair(1, 2), Self.pair(3, 4), Self.pair(5, 6), Self.pair(7, 8))
        let first = table.assign(Self.frame([a, b, c])).numbers
        _ = table.assign(Self.frame([a]))          // a is now the most recent; b the least
        _ = table.assign(Self.frame([c]))
        let next = table.assign(Self.frame([c, d]))
        #expect(next.definitions.count == 1 && next.definitions[0].number == first[b])
        #expect(next.numbers[c] == first[c] && next.numbers[d] == first[b])
        #expect(table.pair(numbered: first[a]!) == a)
        // A frame of a, b, d: c (least recent, not shown) gives its pair to b.
        let again = table.assign(Self.frame([a, b, d]))
        #expect(again.definitions.map(\.pair) == [b] && again.numbers[b] == first[c])
        #expect(Set(again.numbers.values).count == 3)
    }

    @Test func longSessionsNeverRunOutOfPairs() {
        // 40,000 distinct combinations over 200 frames on a 32,767-pair terminal (the old
        // code trapped converting pair 32,768 to Int16).
        var table = ColourPairTable(capacity: 32_767)
        var seen = Set<Int32>()
        for frameIndex in 0..<200 {
            let pairs = (0..<200).map { i -> ColourPair in
                let n = frameIndex * 200 + i
                return ColourPair(foreground: .palette(UInt8(n % 256)), background: .rgb(UInt8(n / 256 % 256), 0, 1))
            }
            let assignment = table.assign(Self.frame(pairs))
            #expect(Set(assignment.numbers.values).count == 200)
            seen.formUnion(assignment.numbers.values)
        }
        #expect(seen.count == 32_767 && seen.min() == 1 && seen.max() == 32_767)
    }

    @Test func aFrameWithMoreCombinationsThanPairsKeepsTheCommonestAndShowsTheRestNearest() {
        var table = ColourPairTable(capacity: 2)
        // Red on black covers most cells, blue on black some; near-red (palette 160) and
        // near-blue (palette 19) on black one cell each.
        let red = Self.pair(196, 16), blue = Self.pair(21, 16), nearRed = Self.pair(160, 16), nearBlue = Self.pair(19, 16)
        let assignment = table.assign([red: 50, blue: 20, nearRed: 1, nearBlue: 1])
        #expect(assignment.definitions.count == 2)
        #expect(assignment.numbers[nearRed] == assignment.numbers[red])
        #expect(assignment.numbers[nearBlue] == assignment.numbers[blue])
        #expect(assignment.numbers[red] != assignment.numbers[blue])
    }

    @Test func paletteColoursKnowTheirRGB() {
        #expect(TerminalColour.palette(196).rgb! == (255, 0, 0))
        #expect(TerminalColour.palette(244).rgb! == (128, 128, 128))
        #expect(TerminalColour.palette(9).rgb! == (255, 0, 0))
        #expect(TerminalColour.standard.rgb == nil)
        #expect(TerminalColour.nearest(red: 12, green: 34, blue: 56, depth: .direct) == .rgb(12, 34, 56))
    }
}
