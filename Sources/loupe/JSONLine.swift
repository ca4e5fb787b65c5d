import Foundation
import LoupeFormats

/// One JSON object per line on standard output (`--json`), encoded by JSONEncoder (keys
/// sorted, so the same event prints the same bytes), never by string interpolation: a file
/// named `q"x.png` stays valid JSON. Scripts read each line with `json.loads`, as it
/// happens: each line is flushed, since standard output to a pipe or file is block-buffered.
enum JSONLine {
    static func print<Value: Encodable>(_ value: Value) {
        Swift.print(text(value))
        fflush(nil)  // every output stream; Swift 6 will not name the global `stdout`
    }

    static func text<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every number goes through `JSONNumber`, so encoding cannot fail on NaN.
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
