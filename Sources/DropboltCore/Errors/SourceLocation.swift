/// A position in a configuration or rule file, as shown to the user.
///
/// Lines and columns are 1-based, the way editors and compilers count them.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// Absolute path of the file.
    public var file: String
    /// Line number, starting at 1.
    public var line: Int
    /// Column number, starting at 1 (counted in Unicode scalars).
    public var column: Int

    /// Creates a location; `line` and `column` start at 1.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `<file>:<line>:<column>`, the form editors can jump to.
    public var description: String { "\(file):\(line):\(column)" }
}
