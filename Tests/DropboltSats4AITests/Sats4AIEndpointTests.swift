import DropboltSats4AI
import Testing

@Suite("Sats4AIEndpoint")
struct Sats4AIEndpointTests {
    @Test("paths, methods and which calls are paid")
    func paths() {
        #expect(Sats4AIEndpoint.imageEdit.path == "/api/l402/image-edit")
        #expect(Sats4AIEndpoint.analyzeImage.path == "/api/l402/analyze-image")
        #expect(Sats4AIEndpoint.models.path == "/api/l402/models")
        #expect(Sats4AIEndpoint.estimateCost.path == "/api/estimate-cost")
        #expect(Sats4AIEndpoint.allCases.filter(\.requiresPayment) == [.imageEdit, .analyzeImage])
        #expect(Sats4AIEndpoint.allCases.map(\.method) == ["POST", "POST", "GET", "GET"])
    }

    @Test("quote paths name the service")
    func quotes() {
        #expect(Sats4AIEndpoint.estimateCostPath(for: .imageEdit) == "/api/estimate-cost?service=image-edit")
        #expect(Sats4AIEndpoint.estimateCostPath(for: .analyzeImage) == "/api/estimate-cost?service=analyze-image")
        #expect(Sats4AIEndpoint.estimateCostPath(for: .models) == nil)
    }
}
