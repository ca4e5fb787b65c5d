import Foundation

/// One JSON object per line on standard output (`--json`), encoded by JSONEncoder (keys
/// sorted, so the same event prints the same bytes), never by string interpolation: a file
/// named `q"x.png` stays valid JSON. Scripts read each line with `json.loads`.
enum JSONLine {
    static func print<Value: Encodable>(_ value: Value) {
        Swift.print(text(value))
    }

    static func text<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every number goes through `JSONNumber`, so encoding cannot fail on NaN.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A number as JSON holds it: NaN and the infinities, which JSON has no word for, are `null`.
struct JSONNumber: Encodable {
    let value: Double

    init(_ value: Double) { self.value = value }
    init(_ value: Float) { self.value = Double(value) }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    }
}
