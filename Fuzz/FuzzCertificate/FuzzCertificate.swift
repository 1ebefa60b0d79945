import GISLogFuzzSupport

#if FUZZING
/// libFuzzer's driver (built by scripts/fuzz with -sanitize=fuzzer,address).
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// One input per call; libFuzzer's driver also looks this symbol up by name.
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    _FuzzEntryPoints.describeCertificate(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// SwiftPM links an executable's entry point under this name; here it hands over to libFuzzer.
@_cdecl("FuzzCertificate_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments, testOneInput)
}
#else
/// Without libFuzzer: runs the inputs named on the command line (the seed corpus and past crashes in
/// Fuzz/corpus/certificate), so the tests replay them on every build.
@main
struct Replay {
    static func main() { FuzzInput.replay(CommandLine.arguments.dropFirst(), through: _FuzzEntryPoints.describeCertificate) }
}
#endif
