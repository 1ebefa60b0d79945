public import GISLogReports
public import GISLogRules
import GISLogInput
public import GISLogProbe
// `gislog scan --probe` on a finished report.

extension Report {
    /// Probes the peers of the ranked causes, once each, `parallel` at a time, and applies the verdicts to
    /// the ranking (see `ProbeRanking.apply`). Without this call a scan never touches the network.
    /// `starting` is told how many endpoints will be probed, before the first connection.
    public mutating func probePeers(with prober: Prober, definitions: [CauseDefinition], parallel: Int = 4,
                                    starting: (Int) -> Void = { _ in }) {
        let targets = ProbeRanking.targets(for: diagnosis, events: events)
        starting(targets.count)
        let results = targets.isEmpty ? [] : prober.probe(targets, parallel: parallel)
        var products: [String: Product] = [:]
        for file in coverage.files {
            if let machine = file.file.machine, file.file.product != .unknown { products[machine] = file.file.product }
        }
        for event in events where event.product != .unknown && products[event.machine] == nil { products[event.machine] = event.product }
        let applied = ProbeRanking.apply(results, to: diagnosis, definitions: definitions, events: events, machineProducts: products)
        diagnosis = applied.diagnosis
        causeProbes = applied.probes
    }
}
