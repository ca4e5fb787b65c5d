import Foundation

/// A split CSV as VisA ships it (`split_csv/1cls.csv`): one row per image with columns
/// `object, split, label, image, mask`, paths relative to the data set's root. Columns are
/// found by their header names; `object` and `mask` may be absent.
struct SplitTable {
    struct Row {
        let line: Int
        let object: String?
        let split: String
        let label: String
        let image: String
        let mask: String?
    }

    let rows: [Row]

    init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DatasetError.badSplitTable(path: path, line: 0, problem: "cannot read the file: \((error as NSError).localizedDescription)")
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw DatasetError.badSplitTable(path: path, line: 1, problem: "empty file") }
        let columns = Self.fields(header).map { $0.lowercased() }
        func column(_ name: String, required: Bool) throws -> Int? {
            guard let index = columns.firstIndex(of: name) else {
                if required {
                    throw DatasetError.badSplitTable(path: path, line: 1,
                                                     problem: "no '\(name)' column (the header has \(columns.joined(separator: ", ")); expected object, split, label, image, mask)")
                }
                return nil
            }
            return index
        }
        let split = try column("split", required: true)!, label = try column("label", required: true)!
        let image = try column("image", required: true)!
        let object = try column("object", required: false), mask = try column("mask", required: false)
        rows = try lines.enumerated().dropFirst().compactMap { offset, line in
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            let fields = Self.fields(line)
            guard fields.count >= columns.count else {
                throw DatasetError.badSplitTable(path: path, line: offset + 1, problem: "\(fields.count) fields, the header has \(columns.count)")
            }
            let maskValue = mask.map { fields[$0] }
            return Row(line: offset + 1, object: object.map { fields[$0] }, split: fields[split].lowercased(),
                       label: fields[label].lowercased(), image: fields[image], mask: maskValue?.isEmpty == false ? maskValue : nil)
        }
    }

    /// A CSV line's fields, with double-quoted fields ("a,b", and "" for a quote inside).
    static func fields(_ line: String) -> [String] {
        var fields: [String] = [], current = "", quoted = false
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" { current.append("\""); index += 1 } else { quoted = false }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
            index += 1
        }
        fields.append(current)
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
