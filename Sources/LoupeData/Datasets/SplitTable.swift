import Foundation
import LoupeFormats

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
        let records: [CSV.Record]
        do {
            records = try CSV.records(atPath: path).map { CSV.Record(line: $0.line, fields: $0.fields.map { $0.trimmingCharacters(in: .whitespaces) }) }
        } catch let error as CSVFileError {
            throw DatasetError.badSplitTable(path: path, line: 0, problem: error.problem)
        }
        guard let header = records.first else { throw DatasetError.badSplitTable(path: path, line: 1, problem: "empty file") }
        let columns = header.fields.map { $0.lowercased() }
        func column(_ name: String, required: Bool) throws -> Int? {
            guard let index = columns.firstIndex(of: name) else {
                if required {
                    throw DatasetError.badSplitTable(path: path, line: header.line,
                                                     problem: "no '\(name)' column (the header has \(columns.joined(separator: ", ")); expected object, split, label, image, mask)")
                }
                return nil
            }
            return index
        }
        let split = try column("split", required: true)!, label = try column("label", required: true)!
        let image = try column("image", required: true)!
        let object = try column("object", required: false), mask = try column("mask", required: false)
        rows = try records.dropFirst().compactMap { record in
            let fields = record.fields
            guard !(fields.count == 1 && fields[0].isEmpty) else { return nil }
            guard fields.count >= columns.count else {
                throw DatasetError.badSplitTable(path: path, line: record.line, problem: "\(fields.count) fields, the header has \(columns.count)")
            }
            let maskValue = mask.map { fields[$0] }
            return Row(line: record.line, object: object.map { fields[$0] }, split: fields[split].lowercased(),
                       label: fields[label].lowercased(), image: fields[image], mask: maskValue?.isEmpty == false ? maskValue : nil)
        }
    }
}
