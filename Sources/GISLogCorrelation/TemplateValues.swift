public import GISLogRules
public import GISLogInput
import GISLogSupport

/// The site's own names for the `{placeholders}` of a cause's summary and steps, taken from the failures
/// and the machines in the logs.
package struct TemplateValues: Sendable, Hashable {
    private var values: [String: String] = [:]

    package init(machine: String, peers: [Peer], failures: [Event], machineProducts: [String: Product]) {
        values["machine"] = machine
        if let peer = peers.first { values["peer"] = peer.display }
        if let url = failures.lazy.compactMap({ $0.field("url") }).first { values["peer_url"] = url }
        let servers = machineProducts.filter { $0.value == .server }.map(\.key).sorted()
        let portals = machineProducts.filter { $0.value == .portal }.map(\.key).sorted()
        let failingProduct = failures.first(where: { $0.machine == machine })?.product ?? machineProducts[machine]

        // The portal: the failing machine when it is one (its trust store is the one to fix), else a peer that
        // looks like one (port 7443, a /portal/ or /sharing/ URL not on Server's port), else a portal machine.
        let portalPeer = failures.first { event in
            guard let url = event.field("url"), event.field("port") != "6443" else { return false }
            return event.field("port") == "7443" || url.containsBytes("/sharing/") || url.containsBytes("/portal/")
                || url.containsBytes("/portaladmin")
        }?.field("host")
        if let portal = (failingProduct == .portal ? machine.lowercased() : nil) ?? portalPeer ?? portals.first?.lowercased() {
            values["portal"] = portal
        }
        // The server: the failing machine when it is one, else a peer on 6443 or an /arcgis/admin URL, else a server machine.
        let serverPeer = failures.first { $0.field("port") == "6443" || ($0.field("url")?.containsBytes("/arcgis/admin") ?? false) }
        if failingProduct == .server {
            values["server"] = machine.lowercased()
            values["server_machine"] = machine
        } else if let host = serverPeer?.field("host") {
            values["server"] = host.lowercased()
            values["server_machine"] = servers.first { $0.lowercased() == host.lowercased() } ?? host.uppercased()
        } else if let server = servers.first {
            values["server"] = server.lowercased()
            values["server_machine"] = server
        }
    }

    /// The value of `{name}`, when the logs show it.
    package func value(_ name: String) -> String? { values[name] }

    /// `fill` for the line of one machine: `{each_machine}` is its name as ArcGIS writes it, `{each_host}`
    /// its host name.
    package func filling(_ template: String, eachMachine machine: String) -> String {
        var copy = self
        copy.values["each_machine"] = machine
        copy.values["each_host"] = machine.hasPrefix("<") ? machine : machine.lowercased()
        return copy.fill(template)
    }

    /// Replaces `{name}` with the value, or with `<name>` when the logs do not show it.
    package func fill(_ template: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            if name.allSatisfy({ $0.isLetter || $0 == "_" }), !name.isEmpty {
                out += values[name] ?? "<\(name)>"
            } else {
                out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
