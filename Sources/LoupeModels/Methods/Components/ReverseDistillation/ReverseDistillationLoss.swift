import LoupeTensor

/// RD's training loss: Σ over the scales of mean(1 − cos), cos taken over channels per pixel.
public func reverseDistillationLoss(teacher: [Tensor], student: [Tensor]) -> Tensor {
    invariant(teacher.count == student.count, "reverseDistillationLoss: \(teacher.count) teacher and \(student.count) student scales")
    return zip(teacher, student).map { Loss.cosineDistance($0, $1) }.reduce(Tensor(0)) { $0 + $1 }
}
