internal import CCurl

/// An HTTP answer: the status and the body's bytes.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
}

/// Posts forms over HTTPS with libcurl, which the first `init` loads. Certificate and host name verification
/// are always on: a site with its own CA is trusted by naming that CA's certificate (`caFile`), never by
/// turning checks off. Only `https` URLs are accepted and redirects are not followed (a redirect to a login
/// page is an error to see, not to chase). Owns one curl handle, freed in `deinit`; not for use from two
/// threads at once.
public final class HTTPSClient: HTTPTransport {
    /// The largest body accepted; a 10,000-record page is a few tens of MB.
    public static let maximumBodyBytes = 512 << 20

    private let handle: UnsafeMutableRawPointer
    private let caFile: String?
    private let timeoutSeconds: Int

    /// - Parameters:
    ///   - caFile: PEM file of the CA certificates to trust instead of the system's.
    ///   - timeoutSeconds: the longest one request may take, answer included.
    public init(caFile: String? = nil, timeoutSeconds: Int = 300) throws(FetchError) {
        // libcurl is opened here, on first use, not at start: `gislog scan` never needs it.
        if let failure = gislog_curl_load() {
            throw FetchError(kind: .missingLibrary, description: """
                gislog fetch needs libcurl 4, which could not be loaded here (\(String(cString: failure))). \
                On Debian or Ubuntu: apt-get install libcurl4; on Red Hat, Rocky or Alma: dnf install libcurl.
                """)
        }
        guard let handle = gislog_curl_easy_init() else {
            throw FetchError(kind: .connection, description: "libcurl could not start (out of memory?)")
        }
        self.handle = handle
        self.caFile = caFile
        self.timeoutSeconds = max(1, timeoutSeconds)
    }

    deinit { gislog_curl_easy_cleanup(handle) }

    /// Posts `form` (already `application/x-www-form-urlencoded`) to `url`.
    public func post(_ url: String, form: String) throws(FetchError) -> HTTPResponse {
        guard url.hasPrefix("https://") else {
            throw FetchError(kind: .connection, description: """
                \(url): gislog talks to ArcGIS only over https (tokens and passwords travel in the request). \
                Use the https URL, e.g. https://host:6443/arcgis.
                """)
        }
        gislog_curl_easy_reset(handle)
        let sink = BodySink()
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errorBuffer in
            withExtendedLifetime(sink) {
                var setup = gislog_curl_set_string(handle, CURLOPT_URL, url)
                func set(_ result: CURLcode) { if setup == CURLE_OK { setup = result } }
                set(gislog_curl_https_only(handle))
                set(gislog_curl_set_string(handle, CURLOPT_COPYPOSTFIELDS, form))
                set(gislog_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 1))
                set(gislog_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 2))
                if let caFile { set(gislog_curl_set_string(handle, CURLOPT_CAINFO, caFile)) }
                set(gislog_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 0))
                set(gislog_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                set(gislog_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 20))
                set(gislog_curl_set_long(handle, CURLOPT_TIMEOUT, timeoutSeconds))
                set(gislog_curl_set_string(handle, CURLOPT_USERAGENT, "gislog"))
                set(gislog_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer.baseAddress))
                set(gislog_curl_set_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(sink).toOpaque()))
                set(gislog_curl_set_write_function(handle) { data, size, count, context in
                    guard let data, let context else { return 0 }
                    let sink = Unmanaged<BodySink>.fromOpaque(context).takeUnretainedValue()
                    let length = size * count
                    guard sink.bytes.count + length <= HTTPSClient.maximumBodyBytes else { return 0 }
                    data.withMemoryRebound(to: UInt8.self, capacity: length) {
                        sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                    }
                    return length
                })
                guard setup == CURLE_OK else { return setup }
                return gislog_curl_easy_perform(handle)
            }
        }
        // The error buffer must not outlive this call inside the handle.
        _ = gislog_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Self.error(code, detail: detail.isEmpty ? String(cString: gislog_curl_easy_strerror(code)) : detail,
                             url: url, caFile: caFile, received: sink.bytes.count)
        }
        var status = 0
        _ = gislog_curl_response_code(handle, &status)
        return HTTPResponse(status: status, body: sink.bytes)
    }

    private static func error(_ code: CURLcode, detail: String, url: String, caFile: String?, received: Int) -> FetchError {
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            let trusted = caFile.map { "the CA certificates in \($0)" } ?? "this machine's trusted CAs"
            return FetchError(kind: .tls, description: """
                \(url): the site's certificate is not trusted by \(trusted) (\(detail)). This is the trust \
                problem behind error 12045: pass --ca-file with the PEM certificate of the root CA that issued \
                the site's certificate (export it from the site, or ask whoever runs the CA).
                """)
        case CURLE_SSL_CACERT_BADFILE:
            return FetchError(kind: .tls, description: """
                --ca-file \(caFile ?? ""): not a readable PEM certificate file (\(detail)). Give a file that \
                starts with -----BEGIN CERTIFICATE-----.
                """)
        case CURLE_WRITE_ERROR where received + 1 >= maximumBodyBytes:
            return FetchError(kind: .connection, description: """
                \(url) answered more than \(maximumBodyBytes >> 20) MB for one page; use a smaller --page-size.
                """)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT:
            // A site that is restarting refuses connections for a while; a name that does not resolve stays so.
            return FetchError(kind: .connection, description: """
                \(url): \(detail). Check the host name and port (Server 6443, Portal 7443) and that this \
                machine can reach them.
                """, transient: code != CURLE_COULDNT_RESOLVE_HOST)
        case CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR:
            // The connection dropped mid-request or mid-answer.
            return FetchError(kind: .connection, description: "\(url): \(detail) (curl error \(code.rawValue)).",
                              transient: true)
        default:
            return FetchError(kind: .connection, description: "\(url): \(detail) (curl error \(code.rawValue)).")
        }
    }
}

/// Collects a response body; a class so libcurl's C callback can reach it through one pointer.
private final class BodySink {
    var bytes: [UInt8] = []
}
