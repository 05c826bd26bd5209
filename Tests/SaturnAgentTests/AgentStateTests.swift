import SaturnModel
import Testing

@testable import SaturnAgent

struct AgentStateTests {
    /// A candidate is installed only over the set its update started from: a peer's set adopted during the update
    /// is not overwritten by a candidate that was validated against the set before it.
    @Test func aCandidateIsNotInstalledOverASetItNeverCompetedWith() {
        let state = AgentState(configuration: .ephemeralLoopback(nodeID: "install"))
        let key = ModelKey(model: "m-7b", hardware: "gpu")
        let started = state.snapshot(for: key)  // the prior an update starts from
        var fitted = ParameterSnapshot(key: key, parameters: PriorCatalog.genericDefault, version: 1, source: .localFit)
        #expect(state.install(fitted, replacing: started))
        #expect(state.snapshot(for: key) == fitted)

        // An update starts from `fitted`; meanwhile a peer's set is adopted (the key has no own observations).
        var peer = fitted
        peer.source = .peer
        peer.originNode = "peer"
        peer.version = 7
        #expect(state.adoptPeer(peer))
        let adopted = state.snapshot(for: key)
        fitted.version = 2
        #expect(!state.install(fitted, replacing: started))
        #expect(state.snapshot(for: key) == adopted)
        // From the adopted set, the next candidate is installed.
        #expect(state.install(fitted, replacing: adopted))
        #expect(state.snapshot(for: key).version == 2)
    }
}
