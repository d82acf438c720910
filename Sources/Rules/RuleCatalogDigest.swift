import Crypto
import Foundation

extension RuleCatalog {
    /// `sha256:…` over every rule file's name and text in file-name order: names the exact rule set a report was made with,
    /// so an archived approval can be matched to the catalog that judged it.
    public var digest: String {
        var hash = SHA256()
        for entry in entries.sorted(by: { $0.fileName.utf8.lexicographicallyPrecedes($1.fileName.utf8) }) {
            // NUL cannot occur in a file name or YAML text, so the framing is unambiguous.
            hash.update(data: Data(entry.fileName.utf8) + [0] + Data(entry.text.utf8) + [0])
        }
        return "sha256:" + hash.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
