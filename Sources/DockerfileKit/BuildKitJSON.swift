extension Instruction {
    /// This instruction as the BuildKit reference parser reports it (`parse --format json`), on one line,
    /// keys in the contract's order, escaped as Python's `json.dumps(ensure_ascii=False)` escapes.
    /// The reference reports an empty keyword or original (a file ending in a lone continuation) as null.
    public var buildKitJSON: String {
        var out = "{\"cmd\": \(nullIfEmpty(cmd)), \"sub_cmd\": \(nullIfEmpty(subCmd)), "
        out += "\"json\": \(json), \"original\": \(nullIfEmpty(original)), "
        out += "\"start_line\": \(startLine), \"end_line\": \(endLine), "
        out += "\"flags\": [\(flags.map(jsonString).joined(separator: ", "))], "
        out += "\"value\": [\(value.map(jsonString).joined(separator: ", "))], \"heredocs\": ["
        out += heredocs.map {
            "{\"name\": \(jsonString($0.name)), \"file_descriptor\": \($0.fileDescriptor), \"content\": \(jsonString($0.content))}"
        }.joined(separator: ", ")
        return out + "]}"
    }
}

extension Dockerfile {
    /// Every instruction as a JSON array, one instruction per line (the `parse --format json` output).
    public var buildKitJSON: String {
        "[\n" + instructions.map { "  " + $0.buildKitJSON }.joined(separator: ",\n") + "\n]\n"
    }
}

private func nullIfEmpty(_ text: String?) -> String {
    guard let text, !text.isEmpty else { return "null" }
    return jsonString(text)
}

/// A JSON string literal escaped as Python's `json.dumps(..., ensure_ascii=False)` does.
func jsonString(_ text: String) -> String {
    var out = "\""
    out.reserveCapacity(text.utf8.count + 2)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
