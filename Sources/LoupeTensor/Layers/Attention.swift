import Foundation

/// `nn.MultiheadAttention` as self-attention over a sequence (`batch_first`): every
/// position attends to every other, each head over its own slice of the channels.
/// Parameters are named like PyTorch's, so its `state_dict` loads as is.
public final class MultiheadAttention: Module {
    /// Query, key and value projections stacked: 3E×E.
    public let in_proj_weight: Parameter
    public let in_proj_bias: Parameter
    public let out_proj: Linear
    public let heads: Int

    public init(embedding: Int, heads: Int, using generator: inout SeededGenerator) {
        invariant(heads > 0 && embedding % heads == 0, "MultiheadAttention: \(embedding) channels do not split into \(heads) heads")
        self.heads = heads
        // PyTorch: xavier_uniform_ on the stacked projections, zero biases.
        let bound = (6 / Float(embedding + 3 * embedding)).squareRoot()
        in_proj_weight = Parameter(Tensor.randomUniform([3 * embedding, embedding], lower: -bound, upper: bound, using: &generator))
        in_proj_bias = Parameter(.zeros([3 * embedding]))
        out_proj = Linear(inFeatures: embedding, outFeatures: embedding, using: &generator)
        out_proj.bias?.assign(.zeros([embedding]))
    }

    /// B×L×E to B×L×E: softmax(q·kᵀ/√d)·v per head, heads joined, projected.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        invariant(input.rank == 3 && input.shape[2] == in_proj_weight.shape[1],
                  "MultiheadAttention: input \(input.shape) is not batch×length×\(in_proj_weight.shape[1])")
        let (batch, length, embedding) = (input.shape[0], input.shape[1], input.shape[2])
        let depth = embedding / heads
        let projected = input.reshaped([batch * length, embedding]).matmul(in_proj_weight.value.transposed()) + in_proj_bias.value
        // [3, B, H, L, d]: queries, keys and values, each head a matrix.
        let split = projected.reshaped([batch, length, 3, heads, depth]).permuted([2, 0, 3, 1, 4])
        func part(_ index: Int) -> Tensor { split.sliced(alongAxis: 0, index..<(index + 1)).reshaped([batch * heads, length, depth]) }
        let queries = part(0) * (1 / Float(depth).squareRoot())
        let weights = queries.matmul(part(1).permuted([0, 2, 1])).softmax(alongAxis: 2)
        let attended = weights.matmul(part(2))
        let joined = attended.reshaped([batch, heads, length, depth]).permuted([0, 2, 1, 3]).reshaped([batch * length, embedding])
        return out_proj(joined).reshaped([batch, length, embedding])
    }
}

/// `nn.TransformerEncoderLayer(norm_first=True, activation="gelu", batch_first=True)`
/// without dropout: x + attention(norm1(x)), then + linear2(gelu(linear1(norm2(x)))).
public final class TransformerEncoderLayer: Module, Layer {
    public let self_attn: MultiheadAttention
    public let linear1: Linear, linear2: Linear
    public let norm1: LayerNorm, norm2: LayerNorm

    public init(embedding: Int, heads: Int, feedForward: Int, using generator: inout SeededGenerator) {
        self_attn = MultiheadAttention(embedding: embedding, heads: heads, using: &generator)
        linear1 = Linear(inFeatures: embedding, outFeatures: feedForward, using: &generator)
        linear2 = Linear(inFeatures: feedForward, outFeatures: embedding, using: &generator)
        norm1 = LayerNorm([embedding])
        norm2 = LayerNorm([embedding])
    }

    /// B×L×E to B×L×E.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let (batch, length, embedding) = (input.shape[0], input.shape[1], input.shape[2])
        let attended = input + self_attn(norm1(input))
        let rows = norm2(attended).reshaped([batch * length, embedding])
        return attended + linear2(linear1(rows).gelu()).reshaped([batch, length, embedding])
    }
}
