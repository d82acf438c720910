import DockerfileKit
import Foundation
import ImageKit
import TestSupport
import TRELint

/// Builds, without a registry, the image a generated project's Dockerfile would build: the language's base tree from
/// `BaseImages` stands for the pinned base, then the Dockerfile's own steps are applied as a builder would apply them.
enum InitImageAssembly {
    /// The build arguments the generated workflow passes.
    static let buildArgs = [
        "SOURCE_URL": "https://github.com/example/analysis",
        "REVISION": "3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
    ]
    /// How the generated workflow tags the image.
    static let tag = "ghcr.io/example/analysis:3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d"

    /// The `BaseImages` tree that stands for each template's base image.
    static func baseName(_ language: ProjectLanguage) -> String {
        switch language {
        case .python: "python"
        case .r: "r"
        case .julia: "julia"
        case .cudaPython: "cuda-pytorch"
        }
    }

    /// The base's runtime layers and its Env, without the example application `BaseImages` adds on top.
    static func base(_ language: ProjectLanguage) throws -> (layers: [LayerSpec], env: [String]) {
        guard let spec = BaseImages.spec(baseName(language)), spec.layers.count > 2 else {
            throw BuilderError("no base tree for \(language.rawValue)")
        }
        // BaseImages' well-built examples end with their mount points and their app: the project brings its own.
        let dropped = spec.layers.suffix(2).map(\.createdBy)
        guard dropped[0].contains("mkdir -p /safe_data"), dropped[1].hasPrefix("COPY") else {
            throw BuilderError("BaseImages.\(baseName(language)) no longer ends with its mount points and app layers: \(dropped)")
        }
        // TMPDIR is the project's own setting, not the base's.
        let env = (spec.config.env ?? []).filter { !$0.hasPrefix("TMPDIR=") }
        return (Array(spec.layers.dropLast(2)), env)
    }

    /// The image spec for the project in `project`, built from its Dockerfile.
    static func spec(for language: ProjectLanguage, project: URL) throws -> ImageSpec {
        let dockerfile = try Dockerfile.parse(contentsOf: project.appendingPathComponent("Dockerfile"), buildArgs: buildArgs)
        guard let stage = dockerfile.finalStage, let semantics = dockerfile.final else { throw BuilderError("the Dockerfile has no stage") }
        var (layers, env) = try base(language)
        for instruction in stage.instructions {
            switch instruction.cmd.uppercased() {
            case "RUN":
                let command = instruction.value.joined(separator: " ")
                // Installs are what the base tree already holds; only the mount points are the project's own.
                if let range = command.range(of: "mkdir -p ") {
                    let paths = command[range.upperBound...].split(separator: "&").first?.split(separator: " ").map(String.init) ?? []
                    layers.append(LayerSpec(BaseImages.dirs(paths), createdBy: "RUN /bin/sh -c \(command) # buildkit"))
                }
            case "COPY":
                layers.append(try copyLayer(instruction, project: project))
            default:
                continue
            }
        }
        for variable in semantics.env {
            env.removeAll { $0.hasPrefix(variable.name + "=") }
            env.append("\(variable.name)=\(variable.value)")
        }
        let config = ContainerConfig(
            env: env, entrypoint: semantics.entrypoint.map { $0.value.argv(shell: semantics.shell) },
            cmd: semantics.cmd.map { $0.value.argv(shell: semantics.shell) }, workingDir: semantics.workdir?.value,
            labels: Dictionary(semantics.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
        return ImageSpec(layers: layers, config: config, repoTags: [tag])
    }

    /// The python project's image with busybox for its base and a shell script for `python3`, which cannot be pulled here.
    ///
    /// The script does what run.py does (read the list, summarise each input into /safe_outputs), so a sandbox run checks
    /// the project's wiring — mounts, input list, outputs, every profile, renamed inputs — though not Python itself.
    static func pythonStandInSpec(project: URL) throws -> ImageSpec {
        let standIn = """
            #!/bin/sh
            # python3 stand-in: $1 is /app/run.py, $2 the input list, as the Dockerfile's ENTRYPOINT and CMD give them.
            set -eu
            list="${2:-${TRE_INPUT_LIST:-/safe_data/inputs.txt}}"
            [ -f "$1" ] || { echo "no $1" >&2; exit 2; }
            echo "input,rows,columns" > /safe_outputs/summary.csv
            grep -v '^#' "$list" | while read -r name; do
                [ -n "$name" ] || continue
                rows=$(($(wc -l < "/safe_data/$name") - 1))
                echo "$name,$rows,3" >> /safe_outputs/summary.csv
            done

            """
        var spec = try spec(for: .python, project: project)
        spec.layers = try ImageSpec.busybox().layers + spec.layers.filter { layer in
            // The project's own layers: its mount points and its app.
            layer.createdBy.contains("mkdir -p") || layer.createdBy.hasPrefix("COPY")
        } + [LayerSpec([.dir("usr/local"), .dir("usr/local/bin"), .file("usr/local/bin/python3", standIn, mode: 0o755)],
                       createdBy: "COPY python3-stand-in /usr/local/bin/python3")]
        return spec
    }

    /// `COPY SRC… DEST` from the project folder: a directory's files land below DEST, with their modes.
    static func copyLayer(_ instruction: Instruction, project: URL) throws -> LayerSpec {
        guard instruction.flags.isEmpty, let destination = instruction.value.last, instruction.value.count >= 2 else {
            throw BuilderError("COPY form the assembly does not know: \(instruction.original)")
        }
        var files: [(path: String, data: Data, mode: UInt32)] = []
        for source in instruction.value.dropLast() {
            let url = project.appendingPathComponent(source)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw BuilderError("COPY source \(source) is not in the project")
            }
            if isDirectory.boolValue {
                let children = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
                for child in children where !child.hasDirectoryPath {
                    let relative = String(child.standardizedFileURL.path.dropFirst(url.standardizedFileURL.path.count + 1))
                    files.append((join(destination, relative), try Data(contentsOf: child), try mode(of: child)))
                }
            } else {
                let target = destination.hasSuffix("/") ? join(destination, url.lastPathComponent) : destination
                files.append((target, try Data(contentsOf: url), try mode(of: url)))
            }
        }
        let parents = files.map { ($0.path as NSString).deletingLastPathComponent }
        let entries = BaseImages.dirs(parents) + files.map { EntrySpec.file(BaseImages.relative($0.path), data: $0.data, mode: $0.mode) }
        return LayerSpec(entries, createdBy: "\(instruction.original) # buildkit")
    }

    private static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    private static func mode(of url: URL) throws -> UInt32 {
        let permissions = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber
        return permissions.map { UInt32($0.uint16Value) } ?? 0o644
    }
}
