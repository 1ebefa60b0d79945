/// A small, fast, seedable random number generator (SplitMix64): the same seed gives the same numbers on
/// every machine, so a randomized test or simulation that fails can be run again exactly.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The seed for a randomized test: `GISLOG_TEST_SEED` when set (to repeat a failure), else a fresh one.
    /// Tests name it in their failure messages.
    package static func testSeed() -> UInt64 {
        if let text = environment("GISLOG_TEST_SEED"), let seed = UInt64(text) { return seed }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }
}
