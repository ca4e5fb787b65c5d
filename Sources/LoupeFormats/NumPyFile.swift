import Foundation

/// NumPy's `.npy` format (version 1.0) for float32 arrays: what `numpy.load` reads, so
/// maps leave Loupe as exact values (a PNG keeps 16 bits of them).
public enum NumPyFile {
    /// The file's bytes: the magic, a header dict padded to a multiple of 64 bytes, then the
    /// values little-endian in row-major order.
    public static func float32(_ values: [Float], shape: [Int]) -> Data {
        precondition(shape.reduce(1, *) == values.count, "NumPyFile: \(values.count) values for shape \(shape)")
        let dimensions = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(dimensions), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        values.withUnsafeBufferPointer { data.append(Data(buffer: $0)) }  // little-endian on every Linux Loupe runs on
        return data
    }
}
