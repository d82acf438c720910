public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kind of secret a file or value was found to hold, judged by its content.
public enum SecretKind: String, Sendable, Codable, CaseIterable {
    case privateKey = "private key"
    case awsCredentials = "AWS credentials"
    case gcpServiceAccount = "GCP service-account key"
    case azureStorageKey = "Azure storage account key"
    case netrcPassword = ".netrc password"
    case gitCredentials = "git credentials"
    case pypircPassword = ".pypirc password"
    case registryAuth = "registry auth token"
    case githubToken = "GitHub token"
    case gitlabToken = "GitLab token"
    case slackToken = "Slack token"
    case huggingFaceToken = "Hugging Face token"
    case credentialURL = "password in a URL"
    case namedSecret = "secret-named variable"
}

extension SecretKind {
    /// The kind as a message names it ("holds a private key", "holds AWS credentials").
    public var phrase: String {
        switch self {
        case .awsCredentials, .gitCredentials: rawValue
        case .namedSecret: "a literal value in a secret-named variable"
        default: "a " + rawValue
        }
    }
}

/// One secret found in a file of the image.
public struct SecretFinding: Sendable, Equatable, Codable {
    public var kind: SecretKind
    public var path: String
    /// 0-based layer that holds this copy of the file.
    public var layer: Int
    /// 1-based line of the match.
    public var line: Int
    /// Whether the file is still visible in the merged tree (false when a later layer deleted or replaced it).
    public var visible: Bool

    public init(kind: SecretKind, path: String, layer: Int, line: Int, visible: Bool = true) {
        self.kind = kind; self.path = path; self.layer = layer; self.line = line; self.visible = visible
    }
}

/// Content-based secret detection: each kind needs the secret's own shape, not just a suggestive file name.
public enum SecretScanner {
    /// Files larger than this are not credentials files; keys and tokens live in small files.
    public static let maximumFileSize: Int64 = 256 * 1024

    /// Whether a file is worth reading at all: small, not in documentation or in a test suite's fixtures.
    public static func wants(path: String, size: Int64) -> Bool {
        guard size > 0, size <= maximumFileSize else { return false }
        let lower = path.lowercased()
        for skipped in skippedPrefixes where lower.hasPrefix(skipped) { return false }
        for fragment in skippedFragments where lower.containsBytes(fragment) { return false }
        return !binaryExtensions.contains(String(PathText.fileExtension(lower)))
    }

    // Documentation and the test fixtures of installed packages carry published test keys
    // (CPython's Lib/test/keycert.pem, cryptography's vectors, botocore's examples): not the image owner's secrets.
    private static let skippedPrefixes = ["/proc/", "/sys/", "/usr/share/doc/", "/usr/share/man/", "/usr/share/locale/", "/usr/include/"]
    private static let skippedFragments = [
        "/site-packages/", "/dist-packages/", "/lib/python2", "/lib/python3", "/test/", "/tests/", "/testdata/",
        "/test_data/", "/fixtures/", "/vectors/", "/node_modules/", "/site-library/", "/r/library/",
        "/.julia/packages/", "/share/julia/", "/conda-meta/", "/pkgs/", "ssl-cert-snakeoil",
    ]
    private static let binaryExtensions: Set<String> = [
        "so", "a", "o", "pyc", "pyo", "png", "jpg", "jpeg", "gif", "gz", "bz2", "xz", "zst", "zip", "whl", "tar", "jar",
        "mo", "ttf", "woff", "woff2", "pdf", "npy", "npz", "pt", "bin", "safetensors", "h5", "parquet",
    ]

    /// One way a secret shows in a file: the bytes that must be present, the pattern, and which files it applies to.
    private struct FileRule: Sendable {
        var kind: SecretKind
        var anchors: [[UInt8]]
        var pattern: Pattern
        /// File names the rule is limited to (credential files whose format alone is not distinctive).
        var names: Set<String>?
        /// File names another, more specific rule reports.
        var excludedNames: Set<String>
        /// Bytes that must also be present (any one anchor and every one of these).
        var alsoNeeds: [[UInt8]]
        /// Rejects a match whose line is a documented example or a placeholder.
        var rejects: (@Sendable (String) -> Bool)?

        init(
            kind: SecretKind, anchors: [String], pattern: Pattern, names: Set<String>? = nil, excludedNames: Set<String> = [],
            alsoNeeds: [String] = [], rejects: (@Sendable (String) -> Bool)? = nil
        ) {
            self.kind = kind; self.anchors = anchors.map { Array($0.utf8) }; self.pattern = pattern
            self.names = names; self.excludedNames = excludedNames; self.alsoNeeds = alsoNeeds.map { Array($0.utf8) }
            self.rejects = rejects
        }
    }

    private static let fileRules: [FileRule] = [
        FileRule(kind: .privateKey, anchors: ["PRIVATE KEY"], pattern: privateKey),
        FileRule(kind: .gcpServiceAccount, anchors: ["\"private_key\""], pattern: gcpPrivateKey),
        FileRule(kind: .awsCredentials, anchors: ["aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"], pattern: awsSecret),
        FileRule(kind: .awsCredentials, anchors: ["AKIA", "ASIA"], pattern: awsKeyID, rejects: { $0.contains("EXAMPLE") }),
        FileRule(kind: .azureStorageKey, anchors: ["AccountKey="], pattern: azureKey),
        FileRule(kind: .githubToken, anchors: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"], pattern: githubToken),
        FileRule(kind: .gitlabToken, anchors: ["glpat-"], pattern: gitlabToken),
        FileRule(kind: .slackToken, anchors: ["xox", "hooks.slack.com"], pattern: slackToken),
        FileRule(kind: .huggingFaceToken, anchors: ["hf_"], pattern: huggingFaceToken, excludedNames: ["token", "stored_tokens"]),
        FileRule(kind: .huggingFaceToken, anchors: ["hf_"], pattern: hfTokenFile, names: ["token", "stored_tokens"]),
        FileRule(
            kind: .gitCredentials, anchors: ["://"], pattern: credentialURL, names: [".git-credentials"], alsoNeeds: ["@"],
            rejects: placeholderURL.matches),
        FileRule(
            kind: .credentialURL, anchors: ["://"], pattern: credentialURL, excludedNames: [".git-credentials"], alsoNeeds: ["@"],
            rejects: placeholderURL.matches),
        FileRule(kind: .netrcPassword, anchors: ["password"], pattern: netrcPassword, names: [".netrc", "_netrc"]),
        FileRule(kind: .pypircPassword, anchors: ["password"], pattern: pypircPassword, names: [".pypirc"], rejects: placeholderValue.matches),
        FileRule(kind: .registryAuth, anchors: ["\"auth\"", "_authToken"], pattern: registryAuth, names: ["config.json", ".dockercfg", ".npmrc"]),
    ]

    /// Finds the secrets in one file's contents (empty for binary files): each pattern runs once over the
    /// whole file, and only when its anchor bytes occur, so ordinary source files cost a few byte searches.
    public static func scan(path: String, contents: Data) -> [(kind: SecretKind, line: Int)] {
        guard !contents.prefix(1024).contains(0) else { return [] }
        let name = String(PathText.lastComponent(path))
        var text: String?
        var found: [(kind: SecretKind, line: Int)] = []
        for rule in fileRules where !found.contains(where: { $0.kind == rule.kind }) {
            if let names = rule.names, !names.contains(name) { continue }
            guard !rule.excludedNames.contains(name), rule.anchors.contains(where: { contents.containsBytes($0) }),
                  rule.alsoNeeds.allSatisfy({ contents.containsBytes($0) }) else { continue }
            if text == nil { text = String(data: contents, encoding: .utf8) }
            guard let text else { return found }
            for match in rule.pattern.allMatches(in: text) {
                guard let matched = Range(match.range, in: text) else { continue }
                let lineStart = text[..<matched.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
                let lineEnd = text[matched.lowerBound...].firstIndex(of: "\n") ?? text.endIndex
                if let rejects = rule.rejects, rejects(String(text[lineStart..<lineEnd])) { continue }
                let line = text[..<matched.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
                found.append((rule.kind, line))
                break
            }
        }
        return found
    }

    /// Secrets in an `Env` entry or a build command: token shapes, or a secret-named variable with a literal value.
    public static func scanAssignmentText(_ text: String) -> SecretKind? {
        if githubToken.matches(text) { return .githubToken }
        if gitlabToken.matches(text) { return .gitlabToken }
        if slackToken.matches(text) { return .slackToken }
        if huggingFaceToken.matches(text), !text.contains("hf_hub"), !text.contains("hf_transfer") { return .huggingFaceToken }
        if (awsKeyID.matches(text) && !text.contains("EXAMPLE")) || awsSecretAssignment.matches(text) { return .awsCredentials }
        if azureKey.matches(text) { return .azureStorageKey }
        if credentialURL.matches(text), !placeholderURL.matches(text) { return .credentialURL }
        for match in secretNamedAssignment.allCaptures(in: text) {
            let value = match.split(separator: "=", maxSplits: 1).last.map(String.init) ?? ""
            if isLiteralSecretValue(value) { return .namedSecret }
        }
        return nil
    }

    /// A value that looks like a real secret: not empty, not a placeholder, not a path or a reference to another variable.
    static func isLiteralSecretValue(_ raw: String) -> Bool {
        let value = raw.trimmingCharacters(in: CharacterSet(charactersIn: "\"' "))
        guard value.count >= 6 else { return false }
        if value.hasPrefix("/") || value.hasPrefix("$") || value.hasPrefix("~") || value.hasPrefix("<") { return false }
        if placeholderValue.matches("=" + value) { return false }
        return true
    }

    // A header alone is documentation; a key has its base64 body (or PEM headers) on the next line.
    private static let privateKey = Pattern(
        #"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----\r?\n\s*(?:[A-Za-z0-9+/=]{20,}|Proc-Type:|Version:|Comment:)"#)
    private static let gcpPrivateKey = Pattern(#""private_key"\s*:\s*"-----BEGIN (?:RSA )?PRIVATE KEY-----\\n[A-Za-z0-9+/=]{20,}"#)
    private static let awsKeyID = Pattern(#"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"#)
    private static let awsSecret = Pattern(#"(?i)aws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+]{40}\b"#)
    private static let awsSecretAssignment = Pattern(#"(?i)aws_secret_access_key=["']?[A-Za-z0-9/+]{40}\b"#)
    private static let azureKey = Pattern(#"AccountKey=[A-Za-z0-9+/]{86}=="#)
    private static let githubToken = Pattern(#"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{82})\b"#)
    private static let gitlabToken = Pattern(#"\bglpat-[A-Za-z0-9_-]{20}\b"#)
    private static let slackToken = Pattern(#"\bxox[baprs]-[0-9]{6,}-[0-9A-Za-z-]{10,}|https://hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]{16,}"#)
    private static let huggingFaceToken = Pattern(#"\bhf_[A-Za-z]{34}\b"#)
    private static let hfTokenFile = Pattern(#"(?m)^\s*hf_[A-Za-z0-9]{30,}\s*$"#)
    private static let credentialURL = Pattern(#"\b(?:https?|ftp|git|ssh)://[^\s:/@"'<>]+:[^\s:/@"'<>$]{3,}@[\w.-]+"#)
    private static let placeholderURL = Pattern(#"://(?:user(?:name)?|USER(?:NAME)?|\$\{?\w+\}?):(?:pass(?:word)?|PASS(?:WORD)?|secret|token|xxx+|\*+|\$\{?\w+\}?|<[^>]*>)@"#)
    private static let netrcPassword = Pattern(#"\bpassword\s+\S+"#)
    private static let pypircPassword = Pattern(#"(?m)^\s*password\s*[:=]\s*\S+"#)
    private static let registryAuth = Pattern(#""auth"\s*:\s*"[A-Za-z0-9+/=]{8,}"|_authToken\s*=\s*[^\s$]{8,}"#)
    private static let placeholderValue = Pattern(#"[:=]\s*["']?(?:<[^>]*>|\$\{?\w+\}?|x{3,}|\*{3,}|changeme|change_me|password|secret|example|dummy|none|null|true|false|test)["']?\s*$"#, caseInsensitive: true)
    private static let secretNamedAssignment = Pattern(
        #"\b([A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CLIENT_SECRET)(?<!_FILE)(?<!_PATH)(?<!_DIR)(?<!_URL)(?<!_NAME)(?<!_LENGTH)(?<!_TYPE)=[^\s;&|]+)"#,
        caseInsensitive: true)
}

extension Data {
    /// Whether the bytes occur anywhere in the data: memchr to the first byte, memcmp for the rest, which is
    /// far faster than `range(of:)` for the anchor prefilter (Swift's Glibc module does not export memmem).
    func containsBytes(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, count >= needle.count else { return false }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { pattern in
                guard let base = haystack.baseAddress, let patternBase = pattern.baseAddress else { return false }
                var offset = 0
                let last = haystack.count - pattern.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(first), last - offset + 1) else { return false }
                    let position = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + position, patternBase, pattern.count) == 0 { return true }
                    offset = position + 1
                }
                return false
            }
        }
    }
}
