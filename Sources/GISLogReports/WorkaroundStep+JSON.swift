public import GISLogCorrelation
public import GISLogSupport

extension WorkaroundStep {
    /// Writes the steps as the reports' `step_details[]`: `text`, `source`, `machines[]` (`machine`,
    /// `text`) and `only_for` (the versions a step fits, when the site's version is unknown).
    public static func writeDetails(_ steps: [WorkaroundStep], into json: inout JSONWriter) {
        json.beginArray()
        for step in steps {
            json.beginObject()
            json.field("text", step.text)
            json.field("source", step.source)
            json.key("machines")
            json.beginArray()
            for line in step.machines {
                json.beginObject(); json.field("machine", line.machine); json.field("text", line.text); json.endObject()
            }
            json.endArray()
            json.field("only_for", step.onlyFor)
            json.endObject()
        }
        json.endArray()
    }
}
