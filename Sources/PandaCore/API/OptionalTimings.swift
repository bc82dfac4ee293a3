/// The spec makes each step's timing optional (a pilot that failed in setup
/// never staged in), so a missing one reads as zero instead of refusing the
/// whole report.
extension StepTimings {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(setup: try c.decodeIfPresent(Double.self, forKey: .setup) ?? 0,
                  stageIn: try c.decodeIfPresent(Double.self, forKey: .stageIn) ?? 0,
                  payload: try c.decodeIfPresent(Double.self, forKey: .payload) ?? 0,
                  stageOut: try c.decodeIfPresent(Double.self, forKey: .stageOut) ?? 0)
    }
}
