/// Loupe's version: `loupe --version`, and what exported models and files record.
public enum LoupeVersion {
    public static let current = "0.1.0"
}
