// swift-tools-version:6.0
import PackageDescription

// gislog: a root-cause scanner for ArcGIS Enterprise logs.
//
// C lives only in the five shim targets below. `GISLogKit` holds every piece of logic and is
// tested without spawning processes; `gislog` is a thin command-line shell over it.
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
        // libcurl's header only (libcurl4-openssl-dev): the library is opened at run time by `gislog fetch`.
        .target(name: "CCurl"),
        // OpenSSL 3 for `gislog probe`, opened at run time like libcurl (libssl-dev's headers build it).
        .target(name: "CTLS"),
        .target(
            name: "CGISLogShims",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        .target(
            name: "GISLogKit",
            dependencies: ["CZlib", "CPCRE2", "CCurl", "CTLS", "CGISLogShims"],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .executableTarget(
            name: "gislog",
            dependencies: [
                "GISLogKit",
                "CGISLogShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        // Fuzz targets: libFuzzer entry points with -DFUZZING (scripts/fuzz), input replayers without it.
    ] + ["FuzzRecords", "FuzzGzip", "FuzzRules", "FuzzNDJSON", "FuzzCertificate"].map { name in
        .executableTarget(name: name, dependencies: ["GISLogKit"], path: "Fuzz/\(name)")
    } + [
        .testTarget(
            name: "GISLogKitTests",
            dependencies: ["GISLogKit"]
        ),
        .testTarget(
            name: "GISLogCLITests",
            dependencies: ["gislog", "FuzzRecords", "FuzzGzip", "FuzzRules", "FuzzNDJSON", "FuzzCertificate"],
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
