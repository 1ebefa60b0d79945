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

    /// A document read piece by piece (pieces of 1 to 4,096 bytes, so that every token is cut somewhere) parses
    /// as the whole does: the streamed elements, the rest of the tree, and an error at the same offset. The
    /// document is over a megabyte, so what was parsed is dropped along the way.
    @Test func aDocumentReadInPiecesParsesAsTheWhole() throws {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("gislog_state", 2)
        writer.key("files")
        writer.beginArray()
        for index in 0..<12_000 {
            writer.beginObject()
            writer.field("path", "/logs/GIS\(index % 20)/server/server-\(index) \u{e9}\"\\.log")
            writer.field("offset", Int64(index) * 1_000_003)
            writer.key("ratio"); writer.value(Double(index) / 7)
            writer.field("gzip", index % 3 == 0)
            writer.endObject()
        }
        writer.endArray()
        writer.key("after")
        writer.beginArray(); writer.value("tail"); writer.value(-12); writer.endArray()
        writer.endObject()
        let document = Array(writer.output.utf8)
        #expect(document.count > 1 << 20)

        func pieces(_ bytes: [UInt8]) -> (inout [UInt8]) -> Bool {
            var offset = 0
            var random = SplitMix64(seed: generator.next())
            return { buffer in
                guard offset < bytes.count else { return false }
                let count = min(bytes.count - offset, 1 + Int(random.next() % 4096))
                buffer.append(contentsOf: bytes[offset..<(offset + count)])
                offset += count
                return true
            }
        }
        var whole: [JSONValue] = [], streamed: [JSONValue] = []
        let wholeRoot = try JSONValue.parse(document, streaming: "files") { whole.append($0) }
        let streamedRoot = try JSONValue.parse(reading: pieces(document), streaming: "files") { streamed.append($0) }
        #expect(whole.count == 12_000)
        #expect(streamed == whole, "seed \(seed)")
        #expect(streamedRoot == wholeRoot)

        // Cut short, or spoilt late: the same error at the same offset either way.
        for bad in [Array(document.prefix(document.count - 5)), document.prefix(1_500_000) + Array("x".utf8) + document.dropFirst(1_500_001)] {
            var first: JSONValue.ParseError?, second: JSONValue.ParseError?
            do { _ = try JSONValue.parse(bad, streaming: "files") { _ in } } catch { first = error }
            do { _ = try JSONValue.parse(reading: pieces(bad), streaming: "files") { _ in } } catch { second = error }
            #expect(first != nil && first?.offset == second?.offset && first?.message == second?.message,
                    "\(String(describing: first)) vs \(String(describing: second)), seed \(seed)")
        }
    }
}
