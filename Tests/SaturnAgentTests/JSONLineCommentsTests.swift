import Foundation
import SaturnAgent
import SaturnTestKit
import Testing

/// `//` line comments in configuration files: blanked outside strings, kept inside them; the example file in
/// `ops/deploy/` loads with the agent's reader and documents every field.
struct JSONLineCommentsTests {
    private func blanked(_ s: String) -> String {
        String(decoding: JSONLineComments.blanked(in: Data(s.utf8)), as: UTF8.self)
    }

    @Test func commentsOutsideStringsBecomeSpacesOfTheSameLength() {
        let text = "// head\n{\"a\": 1, // one\n \"b\": 2}// tail"
        let out = blanked(text)
        #expect(out == "       \n{\"a\": 1,       \n \"b\": 2}       ")
        #expect(out.utf8.count == text.utf8.count)
    }

    @Test func slashesInsideStringsAreText() {
        for text in [
            #"{"e": "tcp://10.0.0.2:5557"}"#,
            #"{"e": "a \" // not a comment"}"#,
            #"{"e": "ends in a backslash \\", "f": "//x"}"#,
            #"{"e": "\\\" // still inside"}"#,
        ] {
            #expect(blanked(text) == text, "\(text)")
        }
        #expect(blanked(#"{"e": "\\"} // c"#) == #"{"e": "\\"}     "#)
    }

    @Test func aSingleSlashAndBlockCommentsAreLeftForTheParserToReject() throws {
        #expect(blanked("{\"a\": 1 / 2}") == "{\"a\": 1 / 2}")
        #expect(blanked("/* block */ {}") == "/* block */ {}")
        #expect(throws: AgentConfiguration.FieldError.self) { try AgentConfiguration(json: Data("/* x */ {}".utf8)) }
        #expect(blanked("{} /") == "{} /")
        #expect(blanked("\"unterminated // x\n// c") == "\"unterminated // x\n    ")
        #expect(blanked("{}\r\n// c\r\n") == "{}\r\n    \r\n")
    }

    @Test func theAgentsReaderAcceptsCommentsAndStillNamesBadFields() throws {
        let c = try AgentConfiguration(
            json: Data(
                """
                // comment
                {
                  "fitEvery": 50, // every 50 steps
                  "peers": [{"broadcast": "tcp://10.0.0.2:5557"}] // a peer
                }
                """.utf8))
        #expect(c.fitEvery == 50 && c.peers == [.init(broadcast: "tcp://10.0.0.2:5557")])
        let error = #expect(throws: AgentConfiguration.FieldError.self) {
            try AgentConfiguration(json: Data("{\n  // fine\n  \"fitEvry\": 5\n}".utf8))
        }
        #expect(error?.description.contains("unknown field 'fitEvry'") == true)
    }

    /// `ops/deploy/saturn-agent.jsonc` loads with the reader `saturn agent --config` uses, sets every field of
    /// ``AgentConfiguration/fields`` (so a new field must be documented there), and each field has a comment.
    @Test func theExampleFileLoadsAndDocumentsEveryField() throws {
        let url = Repository.root.appendingPathComponent("ops/deploy/saturn-agent.jsonc")
        let data = try Data(contentsOf: url)
        let configuration = try AgentConfiguration(json: data)
        #expect(configuration.problems.isEmpty, "\(configuration.problems)")
        #expect(configuration.nodeID == "gpu-node-7" && configuration.queryEndpoint == "tcp://0.0.0.0:5556")

        let object = try #require(
            try JSONSerialization.jsonObject(with: JSONLineComments.blanked(in: data)) as? [String: Any])
        let names = Set(AgentConfiguration.fields.map(\.name))
        #expect(Set(object.keys) == names, "missing \(names.subtracting(object.keys)), extra \(Set(object.keys).subtracting(names))")

        // Each top-level field is preceded by a comment line (the field's documentation).
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for name in names {
            let index = try #require(lines.firstIndex { $0.hasPrefix("  \"\(name)\":") }, "no line for \(name)")
            #expect(index > 0 && lines[index - 1].trimmingCharacters(in: .whitespaces).hasPrefix("//"),
                    "\(name) has no comment above it")
        }
    }
}
