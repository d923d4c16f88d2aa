import DropboltSats4AI
import Testing

private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
/// An ISO-BMFF `ftyp` box with the given major brand.
private func ftyp(_ brand: String) -> [UInt8] {
    [0x00, 0x00, 0x00, 0x18] + ascii("ftyp") + ascii(brand) + [0, 0, 0, 0]
}

struct MagicCase: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var type: ImageContentType?
    var testDescription: String { name }
}

private let magicCases: [MagicCase] = [
    MagicCase(name: "JPEG (JFIF)", bytes: [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + ascii("JFIF"), type: .jpeg),
    MagicCase(name: "JPEG (Exif)", bytes: [0xFF, 0xD8, 0xFF, 0xE1], type: .jpeg),
    MagicCase(name: "PNG", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D], type: .png),
    MagicCase(name: "WebP", bytes: ascii("RIFF") + [0x24, 0x00, 0x00, 0x00] + ascii("WEBPVP8 "), type: .webp),
    MagicCase(name: "GIF87a", bytes: ascii("GIF87a") + [0x01, 0x00], type: .gif),
    MagicCase(name: "GIF89a", bytes: ascii("GIF89a") + [0x01, 0x00], type: .gif),
    MagicCase(name: "HEIC heic", bytes: ftyp("heic"), type: .heic),
    MagicCase(name: "HEIC heix", bytes: ftyp("heix"), type: .heic),
    MagicCase(name: "HEIF mif1", bytes: ftyp("mif1"), type: .heif),
    MagicCase(name: "HEIF msf1", bytes: ftyp("msf1"), type: .heif),
    MagicCase(name: "empty", bytes: [], type: nil),
    MagicCase(name: "JPEG cut short", bytes: [0xFF, 0xD8], type: nil),
    MagicCase(name: "PNG signature cut short", bytes: [0x89, 0x50, 0x4E, 0x47], type: nil),
    MagicCase(name: "RIFF but WAVE", bytes: ascii("RIFF") + [0x24, 0, 0, 0] + ascii("WAVEfmt "), type: nil),
    MagicCase(name: "RIFF cut short", bytes: ascii("RIFF") + [0x24, 0, 0], type: nil),
    MagicCase(name: "GIF88a", bytes: ascii("GIF88a"), type: nil),
    MagicCase(name: "AVIF", bytes: ftyp("avif"), type: nil),
    MagicCase(name: "MP4", bytes: ftyp("isom"), type: nil),
    MagicCase(name: "ftyp cut short", bytes: [0, 0, 0, 0x18] + ascii("ftyphe"), type: nil),
    MagicCase(name: "BMP", bytes: ascii("BM6\u{0}\u{0}\u{0}"), type: nil),
    MagicCase(name: "PDF", bytes: ascii("%PDF-1.7"), type: nil),
    MagicCase(name: "text", bytes: ascii("hello, world"), type: nil),
]

@Suite("ImageContentType")
struct ImageContentTypeTests {
    @Test("detects images by magic bytes", arguments: magicCases)
    func detect(_ testCase: MagicCase) {
        #expect(ImageContentType.detect(testCase.bytes) == testCase.type)
    }

    @Test("media types and extensions")
    func names() {
        #expect(
            ImageContentType.allCases.map(\.mimeType) == [
                "image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/heif",
            ])
        #expect(ImageContentType.allCases.map(\.fileExtension) == ["jpg", "png", "webp", "gif", "heic", "heif"])
    }
}
