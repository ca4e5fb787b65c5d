/// The TOML a theme file needs: `[section]` headers, `key = "string"`, numbers and
/// booleans, `#` comments. Keys come back as "section.key"; anything else is an error
/// naming the line.
struct TOMLTable {
    private(set) var values: [String: String] = [:]

    init(parsing text: String, source: String) throws {
        var section = ""
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = Self.withoutComment(String(rawLine)).trimmingWhitespace
            if line.isEmpty { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).trimmingWhitespace
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ThemeError.malformed(path: source, line: number + 1, text: String(rawLine))
            }
            let key = String(line[..<equals]).trimmingWhitespace
            var value = String(line[line.index(after: equals)...]).trimmingWhitespace
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else { throw ThemeError.malformed(path: source, line: number + 1, text: String(rawLine)) }
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty, !value.isEmpty else { throw ThemeError.malformed(path: source, line: number + 1, text: String(rawLine)) }
            values[section.isEmpty ? key : section + "." + key] = value
        }
    }

    /// The line up to a `#` that is not inside a string.
    private static func withoutComment(_ line: String) -> String {
        var inString = false
        for (offset, character) in line.enumerated() {
            if character == "\"" { inString.toggle() }
            if character == "#" && !inString { return String(line.prefix(offset)) }
        }
        return line
    }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
