// swift-tools-version:6.0
import PackageDescription

// gislog: a root-cause scanner for ArcGIS Enterprise logs.
//
// C lives only in the five shim targets below. The logic sits in one library target per pipeline layer
// (see ARCHITECTURE.md), tested without spawning processes; `gislog` is a thin command-line shell over them.
let swiftSettings: [SwiftSetting] = [.enableUpcomingFeature("InternalImportsByDefault")]

func layer(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, swiftSettings: swiftSettings)
}

let package = Package(
    name: "gislog",
    products: [
        .executable(name: "gislog", targets: ["gislog"]),
        .library(name: "GISLogKit", targets: ["GISLogKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPCRE2",
            pkgConfig: "libpcre2-8",
            providers: [.apt(["libpcre2-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // libcurl's header only (libcurl4-openssl-dev): the library is opened at run time by `gislog fetch`.
        .target(name: "CCurl"),
        // OpenSSL 3 for `gislog probe`, opened at run time like libcurl (libssl-dev's headers build it).
        .target(name: "CTLS"),
        .target(
            name: "CGISLogShims",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // The pipeline, one target per layer; each imports only the layers below it:
        // Support → Input → Records → Rules → Correlation → Reports → GISLogKit (the scan, state, merge).
        // Fetch sits beside them (Admin API over HTTPS) and feeds files to the scan.
        layer("GISLogSupport", ["CGISLogShims"]),
        layer("GISLogInput", ["GISLogSupport", "CZlib", "CGISLogShims"]),
        layer("GISLogRecords", ["GISLogInput", "GISLogSupport", "CGISLogShims"]),
        layer("GISLogRules", ["GISLogRecords", "GISLogInput", "GISLogSupport", "CPCRE2", "CYAML"]),
        layer("GISLogCorrelation", ["GISLogRules", "GISLogRecords", "GISLogInput", "GISLogSupport"]),
        layer("GISLogReports", ["GISLogCorrelation", "GISLogRules", "GISLogRecords", "GISLogInput", "GISLogProbe", "GISLogSupport"]),
        layer("GISLogFetch", ["GISLogRecords", "GISLogInput", "GISLogSupport", "CCurl"]),
        // Live TLS checks of the failing peers (`gislog probe`, `scan --probe`).
        layer("GISLogProbe", ["GISLogSupport", "CTLS"]),
        layer("GISLogKit", ["GISLogReports", "GISLogCorrelation", "GISLogRules", "GISLogRecords", "GISLogInput",
                            "GISLogFetch", "GISLogProbe", "GISLogSupport", "CGISLogShims"]),
        // Fuzz entry points: reach into the layers with `package` access; not part of the shipped library.
        .target(
            name: "GISLogFuzzSupport",
            dependencies: ["GISLogKit", "GISLogReports", "GISLogRules", "GISLogRecords", "GISLogInput", "GISLogProbe",
                           "GISLogSupport"],
            path: "Fuzz/FuzzSupport",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gislog",
            dependencies: [
                "GISLogKit", "GISLogReports", "GISLogCorrelation", "GISLogRules", "GISLogRecords", "GISLogInput",
                "GISLogFetch", "GISLogProbe", "GISLogSupport", "CGISLogShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzz targets: libFuzzer entry points with -DFUZZING (scripts/fuzz), input replayers without it.
    ] + ["FuzzRecords", "FuzzGzip", "FuzzRules", "FuzzNDJSON", "FuzzCertificate"].map { name in
        .executableTarget(name: name, dependencies: ["GISLogFuzzSupport"], path: "Fuzz/\(name)")
    } + [
        .testTarget(
            name: "GISLogKitTests",
            dependencies: ["GISLogKit", "GISLogReports", "GISLogCorrelation", "GISLogRules", "GISLogRecords",
                           "GISLogInput", "GISLogFetch", "GISLogProbe", "GISLogSupport", "GISLogFuzzSupport"]
        ),
        .testTarget(
            name: "GISLogCLITests",
            dependencies: ["gislog", "GISLogSupport", "FuzzRecords", "FuzzGzip", "FuzzRules", "FuzzNDJSON"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
