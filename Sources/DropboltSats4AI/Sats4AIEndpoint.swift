/// The sats4ai API paths dropbolt uses (DESIGN §7), relative to the configured provider URL.
///
/// ```swift
/// let url = provider.url + Sats4AIEndpoint.imageEdit.path   // https://sats4ai.com/api/l402/image-edit
/// let quote = provider.url + Sats4AIEndpoint.estimateCostPath(for: .analyzeImage)
/// ```
public enum Sats4AIEndpoint: String, Sendable, CaseIterable {
    /// `POST` an ``ImageEditRequest``; paid (L402), answers ``ImageEditResponse``.
    case imageEdit = "/api/l402/image-edit"
    /// `POST` an ``AnalyzeImageRequest``; paid (L402), answers ``AnalyzeImageResponse``.
    case analyzeImage = "/api/l402/analyze-image"
    /// `GET` the models and their prices; free.
    case models = "/api/l402/models"
    /// `GET` a price quote without creating an invoice (`?service=…`); free.
    case estimateCost = "/api/estimate-cost"

    /// The path, starting with `/`.
    public var path: String { rawValue }

    /// The HTTP method: `POST` for the paid services, `GET` for the free ones.
    public var method: String {
        switch self {
        case .imageEdit, .analyzeImage: "POST"
        case .models, .estimateCost: "GET"
        }
    }

    /// True for the services that answer `402 Payment Required` with an L402 challenge.
    public var requiresPayment: Bool {
        switch self {
        case .imageEdit, .analyzeImage: true
        case .models, .estimateCost: false
        }
    }

    /// The service name sats4ai uses in quotes and discovery (`image-edit`, `analyze-image`); nil for the free
    /// endpoints.
    public var serviceName: String? {
        switch self {
        case .imageEdit: "image-edit"
        case .analyzeImage: "analyze-image"
        case .models, .estimateCost: nil
        }
    }

    /// The quote path for a paid service, e.g. `/api/estimate-cost?service=image-edit`; nil for free endpoints.
    public static func estimateCostPath(for service: Sats4AIEndpoint) -> String? {
        guard let name = service.serviceName else { return nil }
        return "\(Sats4AIEndpoint.estimateCost.path)?service=\(name)"
    }
}
