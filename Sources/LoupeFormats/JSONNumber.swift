/// A number as JSON holds it: NaN and the infinities, which JSON has no word for, are `null`
/// (a diverged model's scores), so encoding never fails on them. The one place for that rule:
/// `--json` lines and `metrics.json` use it alike.
public struct JSONNumber<Value: BinaryFloatingPoint & Encodable & Sendable>: Encodable, Sendable {
    public let value: Value

    public init(_ value: Value) { self.value = value }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite { try container.encode(value) } else { try container.encodeNil() }
    }
}
