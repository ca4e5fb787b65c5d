import Foundation
import LoupeFormats
import LoupeTensor

/// Reads named tensors from any weights file Loupe accepts, recognised by content:
/// safetensors, or a PyTorch `.pth` (zip or legacy).
public enum WeightFile {
    public static func load(_ path: String) throws -> [String: Tensor] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw WeightsError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try decode(data, source: path)
    }

    public static func decode(_ data: Data, source: String) throws -> [String: Tensor] {
        guard data.count >= 8 else { throw WeightsError.malformed(path: source, detail: "only \(data.count) bytes") }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) || data.first == 0x80 {
            return try TorchCheckpoint.decode(data, source: source)
        }
        // safetensors: a little-endian header length, then a JSON object.
        if data.count > 8 && data[data.startIndex + 8] == UInt8(ascii: "{") {
            do {
                var tensors = try SafeTensors(decoding: data, source: source).tensors
                for name in tensors.keys where name.hasPrefix("module.") {
                    tensors[String(name.dropFirst("module.".count))] = tensors.removeValue(forKey: name)
                }
                return tensors
            } catch let error as SafeTensorsError {
                throw WeightsError.malformed(path: source, detail: error.description)
            }
        }
        throw WeightsError.unknownFormat(path: source)
    }
}
