/// How ``Admission`` treats a step whose predicted latency is over the SLA before the next candidate joins it.
public enum AdmissionRule: String, Sendable, Hashable, CaseIterable {
    /// The design's rule exactly as `admission.json` states it: with running requests, admit nothing when the
    /// running batch alone is over the SLA; then visit candidates in priority order and admit each one while
    /// `T(B + n, S + tokens) ≤ SLA` holds *after* it joins.
    case greedy
    /// Does not refuse an admission that brings the step under the SLA. Because `T` can **fall** as a small batch
    /// grows (batching efficiency), a candidate whose own admission overshoots may be followed by candidates
    /// that bring the step back under. From the next unvisited candidate `p`, this rule admits the **longest run**
    /// `p…q` of consecutive candidates (in priority order, within the concurrency cap) after which
    /// `T ≤ SLA`, even when a shorter run is over it; the running batch alone being over the SLA blocks nothing.
    /// When no run from `p` fits, candidate `p` is a misfit (chunked, skipped or the end of the scan, as for
    /// `greedy`). Without chunking or scanning past misfits it admits a priority-order prefix that contains the
    /// greedy one.
    case bestEffort
}
