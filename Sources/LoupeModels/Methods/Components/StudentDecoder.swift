import LoupeTensor

/// A student decoder: the embedding (stride 32) to the teacher's three scales, shallowest
/// first. RD's mirror decoder is one; rd-mff's residual student and rd-dual's are others,
/// and both methods can swap in RD's (`--mirror-student`).
protocol StudentDecoder: Module {
    func reconstruct(_ embedding: Tensor) -> [Tensor]
}

extension ReverseStudent: StudentDecoder {
    func reconstruct(_ embedding: Tensor) -> [Tensor] { self(embedding) }
}
