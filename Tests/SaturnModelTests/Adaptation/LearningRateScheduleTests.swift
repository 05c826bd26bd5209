import SaturnModel
import SaturnTestKit
import Testing

/// `lr_schedule.json`: the adaptive learning rate (flags and counters exact, lr rel 1e-15).
struct LearningRateScheduleTests {
    @Test func reproducesTheGoldenSchedules() throws {
        let cases = try Golden("lr_schedule").cases()
        var checked = 0
        var checkedSteps = 0
        for c in cases {
            var schedule = LearningRateSchedule(
                initial: c.double("lr0")!, decayFactor: c.double("decay_factor")!, patience: c.int("patience")!)
            let losses = try c.doubles("losses")
            let steps = try c.objects("steps")
            #expect(losses.count == steps.count && !losses.isEmpty, "\(c.id)")
            for (k, loss) in losses.enumerated() {
                let event = schedule.observe(loss)
                let s = steps[k]
                #expect(event.improved == s.bool("improved")!, "\(c.id) improved[\(k)]")
                #expect(event.decayed == s.bool("decayed")!, "\(c.id) decayed[\(k)]")
                #expect(schedule.counter == s.int("counter_after")!, "\(c.id) counter[\(k)]")
                #expect(schedule.best == s.double("best_after")!, "\(c.id) best[\(k)]")
                #expect(isClose(schedule.learningRate, s.double("lr_after")!, rel: 1e-15), "\(c.id) lr[\(k)]")
                checkedSteps += 1
            }
            checked += 1
        }
        #expect(checked == 7)
        #expect(checkedSteps == 274)
    }

    @Test func defaultsAreTheDesignsAndResetRestarts() {
        var s = LearningRateSchedule()
        #expect(s.initial == 0.01 && s.decayFactor == 0.95 && s.patience == 5 && s.minimum == 0)
        for _ in 0..<6 { s.observe(1) }  // one improvement, then five without
        #expect(s.learningRate == 0.01 * 0.95 && s.best == 1 && s.counter == 0)
        s.observe(.nan)
        #expect(s.counter == 1)
        s.reset()
        #expect(s.learningRate == 0.01 && s.best == .infinity && s.counter == 0)
    }

    @Test func minimumIsALowerLimit() {
        var s = LearningRateSchedule(initial: 0.01, decayFactor: 0.5, patience: 1, minimum: 0.003)
        for _ in 0..<10 { s.observe(1) }
        #expect(s.learningRate == 0.003)
    }
}
