/// Small, valid PNG files made without any image library: RGB, 8 bits per channel, one stored (uncompressed)
/// deflate block.
///
/// The fake sats4ai answers with these; tests use them as input images too.
/// ```swift
/// let png = TestPNG.make(width: 8, height: 8, seed: [1, 2, 3])
/// let decoded = try #require(TestPNG.decode(png))   // checks every CRC and the Adler-32
/// ```
public enum TestPNG {
    /// The 8-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// An image filled with a colour taken from `seed`, with one pixel (chosen by `seed` too) set to white.
    ///
    /// Different seeds give different files. `width * height` must stay below about 21,000 pixels (one stored
    /// deflate block holds 65,535 bytes).
    public static func make(width: Int = 8, height: Int = 8, seed: [UInt8]) -> [UInt8] {
        precondition(width > 0 && height > 0 && (width * 3 + 1) * height <= 65_535, "image too large")
        // FNV-1a over the whole seed: seeds that share a prefix (paths in one folder) still differ.
        let digest = seed.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        let digestBytes = (0..<8).map { UInt8(truncatingIfNeeded: digest >> (8 * UInt64($0))) }
        let colour = seed.isEmpty ? [UInt8](repeating: 0x80, count: 3) : Array(digestBytes[0..<3])
        let marker = Int(digest >> 40) % (width * height)
        var raw: [UInt8] = []
        for row in 0..<height {
            raw.append(0)  // filter type: none
            for column in 0..<width {
                let index = row * width + column
                if index == marker {
                    raw += [0xFF, 0xFF, 0xFF]
                } else if !seed.isEmpty, index >= width * height - 8 {
                    // The last eight pixels carry the digest, so different seeds give different files.
                    raw += [digestBytes[index - (width * height - 8)], 0, 0]
                } else {
                    raw += colour
                }
            }
        }
        var header: [UInt8] = []
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, 2, 0, 0, 0]  // depth 8, RGB, deflate, adaptive filtering, no interlace
        let length = UInt16(raw.count)
        var zlib: [UInt8] = [0x78, 0x01, 0x01, UInt8(length & 0xFF), UInt8(length >> 8)]
        zlib += [UInt8(~length & 0xFF), UInt8(~length >> 8)]
        zlib += raw + bigEndian(adler32(raw))
        return signature + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    }

    /// A decoded image: its size and `width * height * 3` RGB bytes.
    public struct Image: Sendable, Hashable {
        /// Width in pixels.
        public var width: Int
        /// Height in pixels.
        public var height: Int
        /// Pixels row by row, 3 bytes each.
        public var rgb: [UInt8]
    }

    /// Decodes a PNG of the kind ``make(width:height:seed:)`` writes (RGB, 8-bit, stored deflate blocks, filter 0),
    /// checking the signature, every chunk CRC, the zlib header and the Adler-32. Nil for anything else.
    public static func decode(_ bytes: [UInt8]) -> Image? {
        guard bytes.starts(with: signature) else { return nil }
        var offset = 8
        var width = 0
        var height = 0
        var zlib: [UInt8] = []
        var sawEnd = false
        while offset + 12 <= bytes.count {
            let length = Int(readBigEndian(bytes, offset))
            guard offset + 12 + length <= bytes.count else { return nil }
            let typeAndData = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            guard readBigEndian(bytes, offset + 8 + length) == crc32(typeAndData) else { return nil }
            let data = Array(typeAndData.dropFirst(4))
            switch String(decoding: typeAndData.prefix(4), as: UTF8.self) {
            case "IHDR":
                guard data.count == 13, data[8] == 8, data[9] == 2, data[12] == 0 else { return nil }
                width = Int(readBigEndian(data, 0))
                height = Int(readBigEndian(data, 4))
            case "IDAT": zlib += data
            case "IEND": sawEnd = true
            default: break
            }
            offset += 12 + length
        }
        guard sawEnd, width > 0, height > 0, zlib.count >= 6, zlib[0] & 0x0F == 8,
            (UInt16(zlib[0]) << 8 | UInt16(zlib[1])) % 31 == 0
        else { return nil }
        var raw: [UInt8] = []
        var position = 2
        var final = false
        while !final {
            guard position + 5 <= zlib.count, zlib[position] & 0x06 == 0 else { return nil }  // stored blocks only
            final = zlib[position] & 1 == 1
            let length = Int(zlib[position + 1]) | Int(zlib[position + 2]) << 8
            let complement = Int(zlib[position + 3]) | Int(zlib[position + 4]) << 8
            guard length == ~complement & 0xFFFF, position + 5 + length <= zlib.count else { return nil }
            raw += zlib[(position + 5)..<(position + 5 + length)]
            position += 5 + length
        }
        guard position + 4 <= zlib.count, readBigEndian(zlib, position) == adler32(raw),
            raw.count == (width * 3 + 1) * height
        else { return nil }
        var rgb: [UInt8] = []
        for row in 0..<height {
            let start = row * (width * 3 + 1)
            guard raw[start] == 0 else { return nil }
            rgb += raw[(start + 1)...(start + width * 3)]
        }
        return Image(width: width, height: height, rgb: rgb)
    }

    // MARK: - Private

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeAndData = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + typeAndData + bigEndian(crc32(typeAndData))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func readBigEndian(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }
}
