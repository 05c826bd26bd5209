import SaturnModel
import SaturnWire
import Locking

/// The decision queries (requests 14..18): validate, answer from the key's current snapshot, and attach the basis
/// (version and recent accuracy). Pure reads: nothing in the agent changes, whatever the input.
extension QueryService {
    /// The parameter set and recent accuracy a decision for `key` rests on. Decisions ask about `(B, S)` only: a
    /// richer family's set answers them through ``ParameterSnapshot/decisionParameters``, its base with the set's
    /// term defaults folded in.
    func basis(for key: ModelKey) -> DecisionBasis {
        let snapshot = state.snapshot(for: key)
        let accuracy = state.accuracy(for: key)
        let p95 = state.monitors.withLock { $0[key]?.accuracy?.p95 } ?? 0
        var basis = DecisionBasis(
            version: snapshot.version, source: snapshot.source, recentMeanRelativeError: accuracy.mean,
            recentP95RelativeError: p95, recentObservations: UInt64(accuracy.count),
            parameters: snapshot.decisionParameters, originNode: snapshot.originNode)
        basis.family = snapshot.model.family
        basis.termCoefficients = snapshot.model.coefficients
        return basis
    }

    func slaInverse(_ p: Saturn_V1_SlaInverseRequest) -> Result<Saturn_V1_SlaInverseReply, QueryError> {
        do {
            let query = try SLAInverseQuery(validating: p)
            let basis = basis(for: query.key)
            var reply = Saturn_V1_SlaInverseReply()
            reply.basis = basis.proto
            reply.rows = query.answer(parameters: basis.parameters).map(\.proto)
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }

    func capacity(_ p: Saturn_V1_CapacityRequest) -> Result<Saturn_V1_CapacityReply, QueryError> {
        do {
            let query = try CapacityQuery(validating: p)
            let basis = basis(for: query.key)
            var reply = Saturn_V1_CapacityReply()
            reply.basis = basis.proto
            query.answer(parameters: basis.parameters)?.write(to: &reply)
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }

    func admission(_ p: Saturn_V1_AdmissionRequest) -> Result<Saturn_V1_AdmissionReply, QueryError> {
        do {
            let query = try AdmissionQuery(validating: p)
            let basis = basis(for: query.key)
            let margin = query.margin.resolved(p95RelativeError: basis.recentP95RelativeError)
            var reply = Saturn_V1_AdmissionReply()
            reply.basis = basis.proto
            query.answer(parameters: basis.parameters, p95RelativeError: basis.recentP95RelativeError).write(to: &reply)
            reply.safetyMargin = margin
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }

    func allocation(_ p: Saturn_V1_AllocationRequest) -> Result<Saturn_V1_AllocationReply, QueryError> {
        do {
            let query = try AllocationQuery(validating: p)
            let basis = basis(for: query.key)
            var reply = Saturn_V1_AllocationReply()
            reply.basis = basis.proto
            query.answer(parameters: basis.parameters, p95RelativeError: basis.recentP95RelativeError)
                .write(to: &reply, tenants: query.tenants)
            reply.safetyMargin = query.margin.resolved(p95RelativeError: basis.recentP95RelativeError)
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }

    func plan(_ p: Saturn_V1_PlanRequest) -> Result<Saturn_V1_PlanReply, QueryError> {
        do {
            let query = try PlanQuery(validating: p)
            let basis = basis(for: query.key)
            var reply = Saturn_V1_PlanReply()
            reply.basis = basis.proto
            query.answer(parameters: basis.parameters, p95RelativeError: basis.recentP95RelativeError).write(to: &reply)
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }
}
