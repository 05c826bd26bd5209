import Foundation

/// `//` line comments in JSON configuration files (JSON with comments, as in `ops/deploy/saturn-agent.jsonc`).
///
/// JSON has no comments; configuration files need them. A `//` outside a string starts a comment that runs to the
/// end of the line; inside a string (`"tcp://10.0.0.2:5557"`, `"a \" // b"`) it is text. Comments are replaced by
/// spaces, byte for byte, so the JSON parser's line and column numbers still point into the original file. Only
/// line comments: `/* ... */` and trailing commas stay errors, reported by the JSON parser.
///
/// ```swift
/// let json = JSONLineComments.blanked(in: Data(#"{"fitEvery": 200} // every 200 steps"#.utf8))
/// ```
public enum JSONLineComments {
    /// `text` with every line comment replaced by spaces (newlines kept). Text that is not valid JSON is returned
    /// with its comments blanked all the same, and the JSON parser reports what is wrong with it.
    /// - Parameter text: UTF-8 JSON with `//` line comments.
    /// - Returns: The same number of bytes, with no comments.
    public static func blanked(in text: Data) -> Data {
        let slash = UInt8(ascii: "/")
        let quote = UInt8(ascii: "\"")
        let backslash = UInt8(ascii: "\\")
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        let space = UInt8(ascii: " ")
        var bytes = [UInt8](text)
        var inString = false
        var escaped = false
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if escaped {
                    escaped = false
                } else if b == backslash {
                    escaped = true
                } else if b == quote || b == newline {  // a newline ends an unterminated string: the parser says so
                    inString = false
                }
                i += 1
            } else if b == quote {
                inString = true
                i += 1
            } else if b == slash, i + 1 < bytes.count, bytes[i + 1] == slash {
                while i < bytes.count, bytes[i] != newline, bytes[i] != carriageReturn {
                    bytes[i] = space
                    i += 1
                }
            } else {
                i += 1
            }
        }
        return Data(bytes)
    }
}
