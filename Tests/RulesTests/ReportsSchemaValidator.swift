import Foundation

/// A JSON Schema draft-04 validator for the keywords the SARIF 2.1.0 schema uses ($ref into definitions, type, properties,
/// required, additionalProperties, items, minItems, uniqueItems, enum, minimum, maximum, pattern, anyOf, oneOf).
/// `format` is not asserted, as in the reference validators' default.
struct JSONSchemaValidator {
    let root: [String: Any]

    init(schemaFile: URL) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(contentsOf: schemaFile)) as? [String: Any] else {
            throw ValidatorError(message: "\(schemaFile.path) is not a JSON object")
        }
        self.root = root
    }

    struct ValidatorError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Every violation of the schema, as `path: problem` lines; empty when the document is valid.
    func errors(in document: Any) -> [String] {
        var errors: [String] = []
        validate(document, root, at: "$", into: &errors)
        return errors
    }

    private func validate(_ value: Any, _ schema: [String: Any], at path: String, into errors: inout [String]) {
        if let reference = schema["$ref"] as? String {
            let prefix = "#/definitions/"
            guard reference.hasPrefix(prefix), let definitions = root["definitions"] as? [String: Any],
                  let target = definitions[String(reference.dropFirst(prefix.count))] as? [String: Any]
            else {
                errors.append("\(path): unresolvable $ref \(reference)")
                return
            }
            validate(value, target, at: path, into: &errors)
            return
        }
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [(type as? String) ?? ""]
            guard allowed.contains(where: { Self.matches(value, type: $0) }) else {
                errors.append("\(path): expected \(allowed.joined(separator: " or ")), found \(Self.typeName(value))")
                return
            }
        }
        if let options = schema["enum"] as? [Any], !options.contains(where: { Self.equal($0, value) }) {
            errors.append("\(path): \(value) is not one of \(options)")
        }
        if let number = value as? NSNumber, !Self.isBoolean(value) {
            if let minimum = schema["minimum"] as? NSNumber, number.doubleValue < minimum.doubleValue {
                errors.append("\(path): \(number) is below the minimum \(minimum)")
            }
            if let maximum = schema["maximum"] as? NSNumber, number.doubleValue > maximum.doubleValue {
                errors.append("\(path): \(number) is above the maximum \(maximum)")
            }
        }
        if let text = value as? String, let pattern = schema["pattern"] as? String {
            if let expression = try? NSRegularExpression(pattern: pattern),
               expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) == nil {
                errors.append("\(path): \"\(text)\" does not match \(pattern)")
            }
        }
        if let object = value as? [String: Any] {
            for key in (schema["required"] as? [String]) ?? [] where object[key] == nil {
                errors.append("\(path): missing required property \(key)")
            }
            let properties = (schema["properties"] as? [String: Any]) ?? [:]
            for (key, member) in object {
                if let propertySchema = properties[key] as? [String: Any] {
                    validate(member, propertySchema, at: "\(path).\(key)", into: &errors)
                } else if let additional = schema["additionalProperties"] {
                    if let allowed = additional as? Bool, !allowed {
                        errors.append("\(path): property \(key) is not allowed")
                    } else if let additionalSchema = additional as? [String: Any] {
                        validate(member, additionalSchema, at: "\(path).\(key)", into: &errors)
                    }
                }
            }
        }
        if let array = value as? [Any] {
            if let minimum = schema["minItems"] as? Int, array.count < minimum {
                errors.append("\(path): \(array.count) items, at least \(minimum) required")
            }
            if schema["uniqueItems"] as? Bool == true {
                for (index, item) in array.enumerated() where array[..<index].contains(where: { Self.equal($0, item) }) {
                    errors.append("\(path)[\(index)]: duplicate item")
                }
            }
            if let itemSchema = schema["items"] as? [String: Any] {
                for (index, item) in array.enumerated() {
                    validate(item, itemSchema, at: "\(path)[\(index)]", into: &errors)
                }
            }
        }
        if let choices = schema["anyOf"] as? [[String: Any]] {
            let passing = choices.filter { choice in
                var local: [String] = []
                validate(value, choice, at: path, into: &local)
                return local.isEmpty
            }
            if passing.isEmpty { errors.append("\(path): matches none of anyOf") }
        }
        if let choices = schema["oneOf"] as? [[String: Any]] {
            let passing = choices.filter { choice in
                var local: [String] = []
                validate(value, choice, at: path, into: &local)
                return local.isEmpty
            }
            if passing.count != 1 { errors.append("\(path): matches \(passing.count) of oneOf, exactly 1 required") }
        }
    }

    private static func isBoolean(_ value: Any) -> Bool {
        // Foundation hands JSON booleans back as NSNumber with the C type code "c".
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    private static func matches(_ value: Any, type: String) -> Bool {
        switch type {
        case "object": value is [String: Any]
        case "array": value is [Any]
        case "string": value is String
        case "boolean": isBoolean(value)
        case "null": value is NSNull
        case "number": value is NSNumber && !isBoolean(value)
        case "integer":
            if let number = value as? NSNumber, !isBoolean(value) { number.doubleValue == number.doubleValue.rounded() } else { false }
        default: false
        }
    }

    private static func typeName(_ value: Any) -> String {
        ["object", "array", "string", "boolean", "null", "integer", "number"].first { matches(value, type: $0) } ?? "unknown"
    }

    private static func equal(_ lhs: Any, _ rhs: Any) -> Bool {
        (lhs as? NSObject)?.isEqual(rhs) ?? false
    }
}
