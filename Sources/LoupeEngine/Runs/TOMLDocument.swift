import Foundation
import LoupeModels
import LoupeTensor
import TOMLKit

/// A TOML file (a run's `config.toml`, a theme) read with a real parser, that also knows
/// the line each key stands on: every mistake is reported by file, line and key.
public struct TOMLDocument {
    public let path: String
    private let root: TOMLTable
    private let lines: [Substring]

    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw TOMLFileError.unreadable(path: path) }
        try self.init(text: text, path: path)
    }

    public init(text: String, path: String) throws {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if let line = Self.unparsableTableHeader(in: lines) {
            throw TOMLFileError.syntax(path: path, line: line, message: "a table name must start with a letter, digit, _, - or a quote")
        }
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TOMLFileError.syntax(path: path, line: error.source.begin.line, message: error.description)
        }
    }

    /// The 1-based line of a table header whose name starts with a character no key can
    /// start with (`[#x]`), or nil. toml++ (inside TOMLKit 0.6.0) asserts instead of
    /// reporting that case (an abort, found by `make fuzz`), so it never gets to see one.
    /// Headers are lines opening with `[` outside multi-line strings and open arrays.
    static func unparsableTableHeader(in lines: [Substring]) -> Int? {
        // Bytes, not Characters: "[" followed by a combining mark is one Character.
        let (open, close, hash, quote, apostrophe, backslash) = (UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "#"),
                                                                UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"))
        func isBlank(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        func isKeyStart(_ b: UInt8) -> Bool {
            (65...90).contains(b) || (97...122).contains(b) || (48...57).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
                || b == quote || b == apostrophe
        }
        var depth = 0
        var multiline: UInt8?  // the quote of an open triple-quoted string
        for (index, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            var i = 0
            if multiline == nil && depth == 0 {
                while i < bytes.count && isBlank(bytes[i]) { i += 1 }
                if i < bytes.count && bytes[i] == open {
                    i += i + 1 < bytes.count && bytes[i + 1] == open ? 2 : 1
                    while i < bytes.count && isBlank(bytes[i]) { i += 1 }
                    guard i < bytes.count, isKeyStart(bytes[i]) else { return index + 1 }
                    continue
                }
            }
            // Follow strings, comments and brackets to the end of the line.
            while i < bytes.count {
                if let q = multiline {
                    if i + 2 < bytes.count && bytes[i] == q && bytes[i + 1] == q && bytes[i + 2] == q {
                        multiline = nil
                        i += 3
                    } else {
                        i += 1
                    }
                    continue
                }
                let b = bytes[i]
                i += 1
                if b == hash { break }
                if b == open { depth += 1 } else if b == close { depth = max(0, depth - 1) }
                guard b == quote || b == apostrophe else { continue }
                if i + 1 < bytes.count && bytes[i] == b && bytes[i + 1] == b {
                    multiline = b
                    i += 2
                    continue
                }
                // A one-line string: to its closing quote (backslash escapes in "…").
                while i < bytes.count {
                    let next = bytes[i]
                    i += 1
                    if b == quote && next == backslash { i += 1; continue }
                    if next == b { break }
                }
            }
        }
        return nil
    }

    /// The keys of a table (nil: the top level), in file order.
    public func keys(in table: String? = nil) -> [String] {
        guard let found = self.table(table) else { return [] }
        return found.keys.sorted { line(of: $0, in: table) < line(of: $1, in: table) }
    }

    /// The top-level tables, in file order.
    public var tables: [String] { root.keys.filter { root[$0]?.table != nil }.sorted { line(of: $0) < line(of: $1) } }

    private func table(_ name: String?) -> TOMLTable? { name.map { root[$0]?.table } ?? root }

    /// Fails for keys not in `known`, naming the first unknown one.
    public func expectOnly(_ known: [String], in table: String? = nil) throws {
        for key in self.table(table)?.keys ?? [] where !known.contains(key) && !(table == nil && tables.contains(key)) {
            throw TOMLFileError.unknownKey(path: path, line: line(of: key, in: table), key: qualified(key, table), known: known)
        }
    }

    public func string(_ key: String, in table: String? = nil) throws -> String? {
        try value(key, in: table, expected: "a string") { $0.string }
    }

    /// A string or an array of strings, as an array.
    public func strings(_ key: String, in table: String? = nil) throws -> [String]? {
        try value(key, in: table, expected: "a string or an array of strings") { value in
            if let single = value.string { return [single] }
            guard let array = value.array else { return nil }
            let strings = array.compactMap(\.string)
            return strings.count == array.count && !strings.isEmpty ? strings : nil
        }
    }

    public func integer(_ key: String, in table: String? = nil) throws -> Int? {
        try value(key, in: table, expected: "a whole number") { $0.int }
    }

    /// A number; whole numbers are fine.
    public func number(_ key: String, in table: String? = nil) throws -> Double? {
        try value(key, in: table, expected: "a number") { $0.double ?? $0.int.map(Double.init) }
    }

    public func bool(_ key: String, in table: String? = nil) throws -> Bool? {
        try value(key, in: table, expected: "true or false") { $0.bool }
    }

    public func numbers(_ key: String, in table: String? = nil, count: Int) throws -> [Double]? {
        try value(key, in: table, expected: "an array of \(count) numbers") { value in
            guard let array = value.array, array.count == count else { return nil }
            let numbers = (0..<count).compactMap { array[$0].double ?? array[$0].int.map(Double.init) }
            return numbers.count == count ? numbers : nil
        }
    }

    /// A method setting's value as written (true/false, a whole or a real number).
    public func setting(_ key: String, in table: String) throws -> SettingValue? {
        try value(key, in: table, expected: "true, false or a number") { value in
            value.bool.map(SettingValue.bool) ?? value.int.map(SettingValue.integer) ?? value.double.map(SettingValue.real)
        }
    }

    /// An error for a value that has the right type but is not acceptable.
    public func badValue(_ key: String, in table: String? = nil, value: String, expected: String) -> TOMLFileError {
        .badValue(path: path, line: line(of: key, in: table), key: qualified(key, table), value: value, expected: expected)
    }

    private func value<T>(_ key: String, in table: String?, expected: String, _ convert: (TOMLValueConvertible) -> T?) throws -> T? {
        guard let raw = self.table(table)?[key] else { return nil }
        guard let converted = convert(raw) else {
            throw TOMLFileError.wrongType(path: path, line: line(of: key, in: table), key: qualified(key, table),
                                          found: raw.debugDescription, expected: expected)
        }
        return converted
    }

    private func qualified(_ key: String, _ table: String?) -> String { table.map { "\($0).\(key)" } ?? key }

    /// The line (from 1) where `key` is set in `table` (nil: before any table header), or
    /// where the table `key` begins.
    public func line(of key: String, in table: String? = nil) -> Int {
        var current: String?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let name = line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                current = name
                if table == nil && name == key { return index + 1 }
                continue
            }
            guard current == table, let equals = line.firstIndex(of: "=") else { continue }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            if name == key { return index + 1 }
        }
        return 0
    }
}

/// Why a TOML file cannot be used: each case names the file, the line and the key.
public enum TOMLFileError: UserInputError, Equatable {
    case unreadable(path: String)
    case syntax(path: String, line: Int, message: String)
    case unknownKey(path: String, line: Int, key: String, known: [String])
    case wrongType(path: String, line: Int, key: String, found: String, expected: String)
    case badValue(path: String, line: Int, key: String, value: String, expected: String)
    case missingKey(path: String, key: String)

    public var description: String {
        switch self {
        case let .unreadable(path): return "\(path): cannot read the file"
        case let .syntax(path, line, message): return "\(path):\(line): \(message)"
        case let .unknownKey(path, line, key, known): return "\(path):\(line): unknown key '\(key)'; expected one of \(known.joined(separator: ", "))"
        case let .wrongType(path, line, key, found, expected): return "\(path):\(line): '\(key)' is \(found); expected \(expected)"
        case let .badValue(path, line, key, value, expected): return "\(path):\(line): '\(key)' is \(value); expected \(expected)"
        case let .missingKey(path, key): return "\(path): missing '\(key)'"
        }
    }
}
