import Testing
@testable import GISLogSupport
@testable import GISLogReports

@Suite("JSON text classification")
struct JSONClassifyTests {
    /// The vectorised classification (16 and 32 bytes a step, then a tail) says exactly what the eight-bytes-
    /// a-step reference says, for every length around the step sizes and every kind of byte at any place.
    @Test func vectorisedClassificationAgreesWithTheReference() {
        let seed = SplitMix64.testSeed()
        var generator = SplitMix64(seed: seed)
        let special: [UInt8] = [0x26, 0x3A, 0x3D, 0x22, 0x5C, 0x7F, 0x00, 0x1F, 0x20, 0x80, 0xC3, 0xFF, 0x61]
        for length in 0..<130 {
            for _ in 0..<40 {
                var bytes = (0..<length).map { _ in UInt8(0x41 + Int(generator.next() % 26)) }
                // Zero, one or two bytes that matter, anywhere (the tail included).
                for _ in 0..<Int(generator.next() % 3) where length > 0 {
                    bytes[Int(generator.next() % UInt64(length))] = special[Int(generator.next() % UInt64(special.count))]
                }
                bytes.withUnsafeBytes { raw in
                    #expect(NDJSONEventEncoder.classify(raw) == NDJSONEventEncoder.classifyWords(raw),
                            "\(bytes), seed \(seed)")
                }
            }
        }
        let url = Array("https://gis.example.com:6443/arcgis/admin?token=abc&f=json".utf8)
        url.withUnsafeBytes { raw in
            #expect(NDJSONEventEncoder.classify(raw) == NDJSONEventEncoder.ampersand | NDJSONEventEncoder.separator)
        }
    }
}
