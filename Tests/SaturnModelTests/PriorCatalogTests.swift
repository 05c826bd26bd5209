import SaturnModel
import Testing

/// Starting sets for unseen keys, in the design's order (DESIGN section 3).
struct PriorCatalogTests {
    @Test func modelSizesAreParsedFromNames() {
        #expect(PriorCatalog.parameterCount("llama-2-13b") == 13)
        #expect(PriorCatalog.parameterCount("Llama-2-70B-chat") == 70)
        #expect(PriorCatalog.parameterCount("opt-6.7b") == 6.7)
        #expect(PriorCatalog.parameterCount("gpt-4o") == nil)
    }

    @Test func priorsFollowTheDesignOrder() {
        let catalog = PriorCatalog()
        let known = [(model: "mistral-7b", hardware: "L40S", parameters: PriorCatalog.genericDefault)]
        #expect(catalog.choose(model: "llama-8b", hardware: "l40s", known: known).choice
                == .nearestKey(model: "mistral-7b", hardware: "L40S"))
        #expect(catalog.choose(model: "qwen-72b", hardware: "mi300x", known: known).choice
                == .shippedPrior(model: "llama2-70b", hardware: "a100-80gb-tp2"))
        #expect(catalog.choose(model: "mystery", hardware: "tpu", known: []).choice == .genericDefault)
        for prior in ShippedPriors.all { #expect(prior.parameters.isWithin(.physical), "\(prior.credit)") }
    }
}
