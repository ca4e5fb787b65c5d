/// Gives each (foreground, background) combination of a frame a terminal colour pair, and
/// recycles the least recently used pair when the terminal's table is full.
///
/// A half-block image needs a pair per distinct (upper, lower) colour, thousands of them,
/// while terminals hold from 64 pairs (8 colours) to 65,535. Pairs of the frame being
/// drawn are never recycled; a frame with more combinations than the table holds keeps
/// its most frequent ones and shows every other cell in its nearest kept combination.
public struct ColourPairTable: Sendable {
    /// Pair numbers 1…capacity are ours (pair 0 is the terminal's default colours).
    public let capacity: Int
    private var numbers: [ColourPair: Int32] = [:]
    /// What each pair number holds (index = number; index 0 unused).
    private var pairs: [ColourPair?]
    /// Least recently used order as a doubly linked list over pair numbers; 0 ends it.
    private var newer: [Int32], older: [Int32]
    private var newest: Int32 = 0, oldest: Int32 = 0
    private var allocated: Int32 = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        pairs = Array(repeating: nil, count: self.capacity + 1)
        newer = Array(repeating: 0, count: self.capacity + 1)
        older = Array(repeating: 0, count: self.capacity + 1)
    }

    /// What one frame needs: the pair to draw each combination with, and the pairs the
    /// terminal must (re)define before drawing.
    public struct Assignment: Sendable {
        public var numbers: [ColourPair: Int32]
        public var definitions: [(number: Int32, pair: ColourPair)]
    }

    /// Assigns pairs to a frame's combinations, given how many cells use each.
    public mutating func assign(_ frame: [ColourPair: Int]) -> Assignment {
        let kept = frame.count <= capacity ? Array(frame.keys)
            : Array(frame.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key.sortKey < $1.key.sortKey }.prefix(capacity).map(\.key))
        // Everything the frame keeps becomes most recent first, so recycling only takes
        // pairs the frame does not show.
        for pair in kept { if let number = numbers[pair] { touch(number) } }
        var assignment = Assignment(numbers: [:], definitions: [])
        for pair in kept {
            if let number = numbers[pair] {
                assignment.numbers[pair] = number
                continue
            }
            let number: Int32
            if allocated < capacity {
                allocated += 1
                number = allocated
            } else {
                number = oldest
                if let evicted = pairs[Int(number)] { numbers[evicted] = nil }
                unlink(number)
            }
            pairs[Int(number)] = pair
            numbers[pair] = number
            pushNewest(number)
            assignment.numbers[pair] = number
            assignment.definitions.append((number, pair))
        }
        if kept.count < frame.count {
            for pair in frame.keys where assignment.numbers[pair] == nil {
                let nearest = kept.min { pair.distance(to: $0) < pair.distance(to: $1) } ?? kept[0]
                assignment.numbers[pair] = assignment.numbers[nearest]
            }
        }
        return assignment
    }

    /// The pair a number holds now.
    public func pair(numbered number: Int32) -> ColourPair? {
        number >= 1 && Int(number) <= capacity ? pairs[Int(number)] : nil
    }

    private mutating func touch(_ number: Int32) {
        guard newest != number else { return }
        unlink(number)
        pushNewest(number)
    }

    private mutating func unlink(_ number: Int32) {
        let (a, b) = (newer[Int(number)], older[Int(number)])
        if a != 0 { older[Int(a)] = b } else { newest = b }
        if b != 0 { newer[Int(b)] = a } else { oldest = a }
        newer[Int(number)] = 0
        older[Int(number)] = 0
    }

    private mutating func pushNewest(_ number: Int32) {
        older[Int(number)] = newest
        newer[Int(number)] = 0
        if newest != 0 { newer[Int(newest)] = number }
        newest = number
        if oldest == 0 { oldest = number }
    }
}

/// A cell's foreground and background, as a terminal colour pair holds them.
public struct ColourPair: Hashable, Sendable {
    public let foreground: TerminalColour, background: TerminalColour

    public init(foreground: TerminalColour, background: TerminalColour) {
        self.foreground = foreground
        self.background = background
    }

    /// How different two pairs look: squared RGB distance of both colours.
    func distance(to other: ColourPair) -> Int {
        foreground.distance(to: other.foreground) + background.distance(to: other.background)
    }

    /// A total order, so that ties between equally frequent pairs break the same way every time.
    var sortKey: Int { foreground.sortKey << 25 | background.sortKey }
}
