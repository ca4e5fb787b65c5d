/// An error about what the user gave Loupe (a file, a folder, an option, a setting), as
/// opposed to a fault of Loupe's own. Adopting it is what makes the command line report an
/// error in one line with exit status 1; any other error is "internal error", status 2. A
/// new error type decides which it is where it is declared, not in a list elsewhere.
public protocol UserInputError: Error, CustomStringConvertible {}
