import ArgumentParser
import Foundation
import ImageKit
import TRELint

/// `inspect --format` values.
enum InspectFormat: String, ExpressibleByArgument, CaseIterable {
    case tty, json
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe an image: format, digests, config, layers; or list its merged filesystem.",
        discussion: """
            IMAGE is a docker-archive or oci-archive tarball, an OCI layout directory, or the same with a \
            transport prefix (docker-archive:PATH, oci-archive:PATH, oci:DIR[:REF]); podman:NAME[:TAG] and \
            docker-daemon:NAME[:TAG] export the image through that engine first.
            """
    )

    @Argument(help: "The image to read.")
    var image: String

    @Option(help: "Output format: tty or json.")
    var format: InspectFormat = .tty

    @Flag(help: "Print the merged filesystem as JSON lines (one object per path) instead.")
    var files = false

    @OptionGroup var progressOptions: ProgressOptions

    func run() throws {
        let progress = progressOptions.display()
        try reportingInputErrors {
            defer { progress?.clear() }
            let loaded = try Inspector.load(image, options: ImageReadOptions(progress: progress))
            if files {
                Inspector.writeFiles(loaded.tree, to: FileHandle.standardOutput)
            } else if format == .json {
                print(try InspectReport(image: loaded, cuda: Inspector.cuda(of: loaded)).json())
            } else {
                print(Inspector.tty(loaded, cuda: Inspector.cuda(of: loaded)), terminator: "")
            }
            return 0
        }
    }
}
