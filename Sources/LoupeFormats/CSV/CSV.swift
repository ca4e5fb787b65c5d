import Foundation
import LoupeTensor

/// Comma-separated tables as RFC 4180 has them, the one way Loupe writes and reads every
/// table (`scores.csv`, shard parts, `train-log.csv`, `roi-log.csv`, `review.csv`, split
/// tables): a field holding a comma, a quote or a line break is quoted, quotes doubled, so
/// a file named `a,b.png` or `q"x.png` reads back as itself, and Python's `csv` module and
/// spreadsheets read what Loupe wrote.
public enum CSV {
    /// One record: its fields joined by commas, quoted where needed, ending in "\n".
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }

    /// A field as it is written: as is, or in quotes with its quotes doubled when it holds a
    /// comma, a quote, a line break, or starts or ends with a space (kept by the quotes).
    public static func field(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || text.first == " " || text.last == " "
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A record read back, with the line it starts on (1-based) for error messages.
    public struct Record: Equatable, Sendable {
        public let line: Int
        public let fields: [String]

        public init(line: Int, fields: [String]) { (self.line, self.fields) = (line, fields) }
    }

    /// Every record of `text`. Quoted fields may hold commas, doubled quotes and line breaks;
    /// "\r\n" ends a record as "\n" does; empty lines are skipped. A quote that is never closed
    /// is an error naming the line it opened on (a torn or damaged file); a quote inside an
    /// unquoted field is kept as text, as Python's reader keeps it.
    public static func records(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = [], field: [UInt8] = []
        var line = 1, recordLine = 1, quoteLine = 0
        var quoted = false, wasQuoted = false, afterQuote = false
        let bytes = Array(text.utf8)
        var index = 0
        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            (wasQuoted, afterQuote) = (false, false)
        }
        func endRecord() {
            let blank = fields.isEmpty && field.isEmpty && !wasQuoted
            endField()
            if !blank { records.append(Record(line: recordLine, fields: fields)) }
            fields.removeAll(keepingCapacity: true)
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index += 1
                    } else {
                        (quoted, afterQuote) = (false, true)
                    }
                } else {
                    if byte == 0x0A { line += 1 }
                    field.append(byte)
                }
                continue
            }
            switch byte {
            case UInt8(ascii: ","):
                endField()
            case 0x0A:
                endRecord()
                line += 1
                recordLine = line
            case 0x0D where index < bytes.count && bytes[index] == 0x0A:
                continue
            case UInt8(ascii: "\"") where field.isEmpty && !afterQuote:
                (quoted, wasQuoted, quoteLine) = (true, true, line)
            default:
                field.append(byte)
            }
        }
        guard !quoted else { throw CSVError.unclosedQuote(line: quoteLine) }
        if !field.isEmpty || !fields.isEmpty || wasQuoted { endRecord() }
        return records
    }

    /// The records of the file at `path`: a missing or unreadable file, text that is not
    /// UTF-8 and an unclosed quote all name the file.
    public static func records(atPath path: String) throws -> [Record] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CSVFileError(path: path, problem: "cannot read the file: \(FileFailure.reason(error))")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw CSVFileError(path: path, problem: "not UTF-8 text") }
        do {
            return try records(text)
        } catch let error as CSVError {
            throw CSVFileError(path: path, problem: error.description)
        }
    }
}

/// Why text is not a CSV table.
public enum CSVError: UserInputError, Equatable {
    case unclosedQuote(line: Int)

    public var description: String {
        switch self {
        case let .unclosedQuote(line): return "line \(line): a quoted field is never closed"
        }
    }
}

/// A table file that cannot be read, with the file's path.
public struct CSVFileError: UserInputError, Equatable {
    public let path: String, problem: String
    public var description: String { "\(path): \(problem)" }
}
