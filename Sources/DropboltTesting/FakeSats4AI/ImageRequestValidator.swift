import Foundation

/// Checks a sats4ai request body the way the service does before it creates an invoice (`L402_INVALID_PARAMS`).
enum ImageRequestValidator {
    /// The reason `body` is not a valid request for `endpoint`, or nil when it is.
    static func problem(in body: [UInt8], for endpoint: FakeSats4AI.Endpoint) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            return "the body is not a JSON object"
        }
        let allowed: Set<String> =
            switch endpoint {
            case .imageEdit: ["prompt", "image", "aspect_ratio", "output_format", "modelId"]
            case .analyzeImage: ["image", "prompt", "modelId"]
            }
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            return "unknown field '\(unknown)'"
        }
        guard let image = object["image"] as? String, !image.isEmpty else { return "'image' is missing" }
        if let problem = imageProblem(image) { return problem }
        switch endpoint {
        case .imageEdit:
            guard let prompt = object["prompt"] as? String, !prompt.isEmpty else { return "'prompt' is missing" }
            if let ratio = object["aspect_ratio"] {
                guard let ratio = ratio as? String, ["match_input_image", "1:1", "4:3", "16:9"].contains(ratio) else {
                    return "'aspect_ratio' must be match_input_image, 1:1, 4:3 or 16:9"
                }
            }
            if let format = object["output_format"] {
                guard let format = format as? String, ["jpg", "png", "webp"].contains(format) else {
                    return "'output_format' must be jpg, png or webp"
                }
            }
        case .analyzeImage:
            if let prompt = object["prompt"], !(prompt is String) { return "'prompt' must be a string" }
        }
        if let model = object["modelId"], !(model is String || model is NSNumber) || model is Bool {
            return "'modelId' must be a string or a number"
        }
        return nil
    }

    /// Why `image` is not base64 of a known image, with or without a `data:image/…;base64,` prefix.
    private static func imageProblem(_ image: String) -> String? {
        var payload = Substring(image)
        if image.hasPrefix("data:") {
            guard image.hasPrefix("data:image/"), let comma = image.firstIndex(of: ","),
                image[..<comma].hasSuffix(";base64")
            else { return "'image' is a data URL but not data:image/<type>;base64,…" }
            payload = image[image.index(after: comma)...]
        }
        guard let bytes = Data(base64Encoded: String(payload)).map(Array.init), !bytes.isEmpty else {
            return "'image' is not valid base64"
        }
        guard isKnownImage(bytes) else { return "'image' is not a JPEG, PNG, WebP, GIF or HEIC/HEIF image" }
        return nil
    }

    private static func isKnownImage(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) || bytes.starts(with: TestPNG.signature) { return true }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return true }
        guard bytes.count >= 12 else { return false }
        if bytes.starts(with: Array("RIFF".utf8)) && bytes[8..<12].elementsEqual("WEBP".utf8) { return true }
        let brand = String(decoding: bytes[8..<12], as: UTF8.self)
        return bytes[4..<8].elementsEqual("ftyp".utf8) && ["heic", "heix", "mif1", "msf1"].contains(brand)
    }
}
