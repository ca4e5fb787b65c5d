import Foundation

/// The one wording for scores that are NaN or infinite, for `eval` and `infer` alike.
public enum NonFiniteScores {
    public static func warning(_ files: [String]) -> String {
        "\(files.count) image\(files.count == 1 ? "" : "s") scored NaN or infinity (the model's maps are not finite: did training diverge?): "
            + files.prefix(5).joined(separator: ", ") + (files.count > 5 ? ", …" : "") + "; written as nan in CSV and null in JSON"
    }
}
