import Foundation
import Testing
@testable import GISLogSupport

@Suite("JSON writing and reading")
struct JSONRoundTripTests {
    /// Strings written by `JSONWriter` read back the same through `JSONValue` and through Foundation's
    /// parser: plain ones (the whole-string fast paths), and ones with quotes, backslashes, control
    /// characters, U+2028/U+2029 and other characters that start with the same byte, anywhere.
    @Test func stringsWrittenReadBackTheSame() throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let pieces = ["a", "path/to/server-20261114.log", " ", "\"", "\\", "\n", "\t", "\u{01}", "\u{7F}", "\u{2028}",
                      "\u{2029}", "\u{2020}", "é", "€", "😀", "/", "\r"]
        var texts = ["", "plain", "C:\\Program Files\\ArcGIS", "line\u{2028}break"]
        for _ in 0..<3000 {
            texts.append((0..<Int(generator.next() % 8)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined())
        }
        var writer = JSONWriter()
        writer.beginArray()
        for text in texts { writer.value(text) }
        writer.endArray()
        let output = writer.output
        // U+2028 and U+2029 never appear raw (some JavaScript readers end a line there).
        #expect(!output.unicodeScalars.contains { $0.value == 0x2028 || $0.value == 0x2029 })
        guard case .array(let values) = try JSONValue.parse(Array(output.utf8)) else {
            Issue.record("not an array, seed \(seed)")
            return
        }
        #expect(values.map(\.string) == texts.map { Optional($0) }, "seed \(seed)")
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String])
        #expect(foundation == texts, "seed \(seed)")
    }

    /// Numbers read as the correctly rounded conversion of their text (`Double(String)`; Foundation's JSON
    /// parser rounds some halfway fractions the other way): integers of every length around the fast path's
    /// limit of 15 digits, negative ones, and fractions and exponents (which take the general path).
    @Test func numbersReadAsTheirTextConverts() throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var texts = ["0", "-0", "7", "-7", "1.5", "-2.25e3", "1e2", "1E-2", "123456789012345", "1234567890123456",
                     "-999999999999999", "9007199254740993", "0.1"]
        for digits in 1...18 {
            let number = (0..<digits).map { index in String(index == 0 ? 1 + generator.next() % 9 : generator.next() % 10) }.joined()
            texts += [number, "-" + number, number + ".5", number + "e1"]
        }
        for text in texts {
            let value = try JSONValue.parse(Array("[\(text)]".utf8))
            let reference = try #require(Double(text))
            guard case .array(let items) = value, case .number(let number)? = items.first else {
                Issue.record("\(text) did not read as a number")
                continue
            }
            #expect(number == reference && number.sign == reference.sign, "\(text), seed \(seed)")
        }
        // Not numbers: the reader says where.
        for bad in ["[-]", "[1-]", "[+]"] {
            #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(bad.utf8)) }
        }
    }
}
