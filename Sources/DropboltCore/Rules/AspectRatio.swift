/// The aspect ratio of an edited image.
public enum AspectRatio: String, Sendable, Codable, CaseIterable {
    /// Keep the input's aspect ratio.
    case matchInputImage = "match_input_image"
    /// Square.
    case square = "1:1"
    /// 4:3 landscape.
    case fourThree = "4:3"
    /// 16:9 landscape.
    case sixteenNine = "16:9"
}
