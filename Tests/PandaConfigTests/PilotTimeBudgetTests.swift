import PandaConfig
import PandaCore
import Testing

/// How a pilot's batch slot is spent, and the longest job it can take.
@Suite("pilot time budget")
struct PilotTimeBudgetTests {
    @Test("a 1h slot: 59m lifetime, 5m reserve, 1m start-up, so jobs of at most 53m")
    func oneHour() {
        let budget = PilotTimeBudget(slot: .hours(1))
        #expect(budget.lifetime == .minutes(59))
        #expect(PilotTimeBudget.reserve(lifetime: budget.lifetime) == .minutes(5))
        #expect(budget.longestJob == .minutes(53))
    }

    @Test("short slots keep proportions and never go negative")
    func shortSlots() {
        #expect(PilotTimeBudget(slot: .minutes(10)).lifetime == .minutes(9))
        #expect(PilotTimeBudget(slot: .minutes(1)).longestJob.milliseconds > 0)
    }

    @Test("the slot a job needs is the smallest whose pilots can give it")
    func slotForJob() {
        let slot = PilotTimeBudget.slot(forJob: .hours(1))
        #expect(PilotTimeBudget(slot: slot).longestJob >= .hours(1))
        #expect(PilotTimeBudget(slot: TimeSpan(milliseconds: slot.milliseconds - 60_000)).longestJob < .hours(1))
    }
}
