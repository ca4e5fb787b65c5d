import Foundation
import LoupeFormats
import LoupeTensor
import Testing

/// A checkpoint's integer buffers are written as PyTorch keeps them (I64), so
/// `load_state_dict(strict=True)` gets the dtype it has; the reader takes both.
@Suite struct SafeTensorsIntegerTests {
    @Test func numBatchesTrackedIsWrittenAsI64AndReadBack() throws {
        let file = SafeTensors(stateDictionary: ["bn.num_batches_tracked": Tensor(shape: [], scalars: [1234]),
                                                 "bn.weight": Tensor(shape: [2], scalars: [0.5, 2])])
        let data = file.encoded()
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try #require(try JSONSerialization.jsonObject(with: data[8..<(8 + length)]) as? [String: [String: Any]])
        #expect(header["bn.num_batches_tracked"]?["dtype"] as? String == "I64" && header["bn.weight"]?["dtype"] as? String == "F32")
        // Sorted by name: num_batches_tracked first, 8 bytes little-endian.
        #expect(Array(data[(8 + length)..<(8 + length + 8)]) == [0xD2, 0x04, 0, 0, 0, 0, 0, 0])
        let read = try SafeTensors(decoding: data)
        #expect(read.tensors["bn.num_batches_tracked"]?.scalars == [1234] && read.tensors["bn.weight"]?.scalars == [0.5, 2])
        // A value that is no whole number (a diverged model's NaN) stays F32, whole.
        let diverged = try SafeTensors(decoding: SafeTensors(stateDictionary: ["bn.num_batches_tracked": Tensor(shape: [], scalars: [.nan])]).encoded())
        #expect(diverged.tensors["bn.num_batches_tracked"]?.scalars.first?.isNaN == true)
    }
}
