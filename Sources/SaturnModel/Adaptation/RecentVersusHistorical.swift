/// The split both health tests make of a series (oldest first): its newest `recentCount` values against all the
/// older ones; nil when there are fewer than `minimumHistoricalCount` older values.
@usableFromInline
func recentVersusHistorical(_ series: [Double], recentCount: Int, minimumHistoricalCount: Int)
    -> (recent: [Double], historical: [Double])?
{
    guard series.count >= recentCount + minimumHistoricalCount else { return nil }
    let split = series.count - recentCount
    return (Array(series[split...]), Array(series[..<split]))
}
