/// Why an image could not be read, extracted or looked into; each description is one line naming the problem and where.
public enum ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    case unsupportedReference(String)
    case notFound(String)
    case unrecognisedFormat(path: String, reason: String)
    case archive(context: String, code: Int32, message: String)
    case missingMember(archive: String, member: String)
    case unsafeMemberPath(String)
    case invalidDigest(String)
    case digestMismatch(what: String, expected: String, actual: String)
    case malformedJSON(member: String, reason: String)
    case jsonTooLarge(member: String, size: Int64, limit: Int64)
    case platformNotFound(wanted: String, available: [String])
    case layerCountMismatch(manifestLayers: Int, diffIDs: Int)
    case unsafeEntry(layer: String, path: String, reason: String)
    case compressionRatioExceeded(layer: String, ratio: Int64, limit: Int64)
    case uncompressedSizeExceeded(limit: Int64)
    case tooManyEntries(limit: Int)
    case symlinkLoop(path: String)
    case pathOutsideImage(path: String)
    case noSuchFile(path: String)
    case notARegularFile(path: String)
    case extraction(path: String, reason: String)

    public var description: String {
        switch self {
        case .unsupportedReference(let reference): "image reference \(reference) is not supported yet"
        case .notFound(let path): "image not found: \(path)"
        case .unrecognisedFormat(let path, let reason): "\(path) is not an image tarball or OCI layout: \(reason)"
        case .archive(let context, let code, let message): "\(context): \(message) (libarchive status \(code))"
        case .missingMember(let archive, let member): "\(archive) has no member \(member)"
        case .unsafeMemberPath(let member): "refusing unsafe member path \(member)"
        case .invalidDigest(let digest): "invalid digest \(digest)"
        case .digestMismatch(let what, let expected, let actual): "digest mismatch for \(what): expected \(expected), got \(actual)"
        case .malformedJSON(let member, let reason): "malformed JSON in \(member): \(reason)"
        case .jsonTooLarge(let member, let size, let limit): "\(member) is \(size) bytes of JSON, over the limit of \(limit)"
        case .platformNotFound(let wanted, let available):
            "the image index has no \(wanted) image; it has: \(available.isEmpty ? "none" : available.joined(separator: ", "))"
        case .layerCountMismatch(let layers, let diffIDs): "the manifest lists \(layers) layers but the config has \(diffIDs) diff_ids"
        case .unsafeEntry(let layer, let path, let reason): "layer \(layer): refusing entry \(path): \(reason)"
        case .compressionRatioExceeded(let layer, let ratio, let limit):
            "layer \(layer) decompresses more than \(ratio):1, over the ratio limit of \(limit):1 (a decompression bomb?)"
        case .uncompressedSizeExceeded(let limit): "the image's layers exceed the uncompressed size limit of \(limit) bytes"
        case .tooManyEntries(let limit): "the image's layers hold more than \(limit) entries"
        case .symlinkLoop(let path): "too many levels of symbolic links resolving \(path)"
        case .pathOutsideImage(let path): "path \(path) is not an absolute path inside the image"
        case .noSuchFile(let path): "no such file in the image: \(path)"
        case .notARegularFile(let path): "not a regular file in the image: \(path)"
        case .extraction(let path, let reason): "cannot extract \(path): \(reason)"
        }
    }
}
