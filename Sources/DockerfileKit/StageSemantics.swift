/// What a stage's image is configured with by the Dockerfile, inherited stage values included.
///
/// Values are expanded with the stage's ARG and ENV values as BuildKit's dispatcher does; a variable the
/// Dockerfile never sets (one the base image may define, like `$PATH`) is left as written rather than emptied.
public struct StageSemantics: Sendable, Hashable {
    /// The stage this describes.
    public var stageIndex: Int
    /// The stage whose FROM names an external image (or scratch) at the root of the chain.
    public var rootStageIndex: Int
    /// The last USER, expanded.
    public var user: LocatedValue?
    /// The WORKDIR in effect, relative ones joined onto the previous, expanded.
    public var workdir: LocatedValue?
    /// The ENTRYPOINT in effect.
    public var entrypoint: LocatedCommand?
    /// The CMD in effect (reset by an ENTRYPOINT when no CMD follows it in the same stage, as BuildKit does).
    public var cmd: LocatedCommand?
    /// The SHELL used for shell-form commands.
    public var shell: [String]
    /// ENV values by name, expanded, in the order first set.
    public var env: [EnvironmentVariable]
    /// EXPOSE ports, expanded, one entry per port.
    public var expose: [LocatedValue]
    /// VOLUME paths, expanded.
    public var volumes: [LocatedValue]
    /// The HEALTHCHECK in effect.
    public var healthcheck: Healthcheck?
    /// LABEL key/values, expanded, later values replacing earlier ones.
    public var labels: [EnvironmentVariable]
    /// STOPSIGNAL, expanded.
    public var stopSignal: LocatedValue?
    /// `COPY --from` / `ADD --from` / `RUN --mount=from=` references in this stage's chain.
    public var copyFrom: [CopyFromReference]

    /// The value of an ENV variable, if set.
    public func envValue(_ name: String) -> String? { env.last { $0.name == name }?.value }
}
