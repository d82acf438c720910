import DockerfileKit
import Testing

// Stage and configuration semantics follow the Dockerfile reference (FROM, ARG "Understand how ARG and FROM
// interact", ENV, WORKDIR, ENTRYPOINT "if CMD is defined from the base image, setting ENTRYPOINT will reset
// CMD", HEALTHCHECK) and BuildKit's dockerfile2llb dispatcher.
struct StageTests {
    @Test func multiStageFinalStageInheritsFromItsBaseStage() throws {
        let dockerfile = try Dockerfile(
            parsing: """
                FROM python:3.12 AS build
                ENV APP=/opt/app
                WORKDIR $APP
                USER builder
                RUN make

                FROM golang:1.22 AS unrelated
                USER nobody

                FROM build AS final
                COPY --from=unrelated /x /y
                COPY --from=1 /z /z
                COPY --from=alpine:3 /etc/os-release /
                WORKDIR src
                CMD ["python", "main.py"]
                """)
        #expect(dockerfile.stages.count == 3)
        let final = try #require(dockerfile.finalStage)
        #expect(final.name == "final")
        #expect(final.index == 2)
        #expect(final.baseStageIndex == 0)
        let semantics = try #require(dockerfile.final)
        #expect(semantics.rootStageIndex == 0)
        #expect(semantics.user?.value == "builder")
        #expect(semantics.workdir?.value == "/opt/app/src")
        #expect(semantics.envValue("APP") == "/opt/app")
        #expect(semantics.cmd?.value == .exec(["python", "main.py"]))
        #expect(semantics.copyFrom.map(\.stageIndex) == [1, 1, nil])
        #expect(semantics.copyFrom.map(\.source) == ["unrelated", "1", "alpine:3"])
        #expect(dockerfile.stage(named: "UNRELATED")?.index == 1)
    }

    @Test func fromResolvesGlobalArgsDefaultsAndBuildArgs() throws {
        let text = """
            ARG REGISTRY=docker.io
            ARG BASE=${REGISTRY}/library/python
            ARG TAG
            FROM ${BASE}:${TAG:-3.11} AS app
            FROM --platform=$BUILDPLATFORM $BASE@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
            """
        let defaults = try Dockerfile(parsing: text)
        #expect(defaults.globalArgs.count == 3)
        #expect(defaults.stages[0].baseImage == "${BASE}:${TAG:-3.11}")
        #expect(defaults.stages[0].resolvedBaseImage == "docker.io/library/python:3.11")
        #expect(!defaults.stages[0].isPinnedByDigest)
        #expect(defaults.stages[1].platform == "linux/amd64")
        #expect(defaults.stages[1].digest == "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")

        let overridden = try Dockerfile(parsing: text, buildArgs: ["REGISTRY": "ghcr.io", "TAG": "3.12-slim"])
        #expect(overridden.stages[0].resolvedBaseImage == "ghcr.io/library/python:3.12-slim")
        let direct = try Dockerfile(parsing: text, buildArgs: ["BASE": "quay.io/x/y"])
        #expect(direct.stages[0].resolvedBaseImage == "quay.io/x/y:3.11")
    }

    @Test func argInsideStageUsesGlobalDefaultOnlyWhenRedeclared() throws {
        let dockerfile = try Dockerfile(
            parsing: """
                ARG VERSION=1.2
                FROM alpine
                USER u$VERSION
                ARG VERSION
                LABEL version=$VERSION
                ENV VERSION=env-wins
                LABEL after=${VERSION}
                """)
        let semantics = try #require(dockerfile.final)
        // Before the in-stage ARG the global value is not visible (unknown references are kept as written).
        #expect(semantics.user?.value == "u$VERSION")
        #expect(semantics.labels.map(\.value) == ["1.2", "env-wins"])
    }

    @Test func entrypointResetsInheritedCmdButNotOneSetInTheSameStage() throws {
        let inherited = try Dockerfile(parsing: "FROM a AS base\nCMD [\"a\"]\nFROM base\nENTRYPOINT [\"/e\"]\n")
        #expect(inherited.final?.cmd == nil)
        #expect(inherited.final?.entrypoint?.value == .exec(["/e"]))
        let sameStage = try Dockerfile(parsing: "FROM a\nCMD [\"a\"]\nENTRYPOINT /e --flag\n")
        #expect(sameStage.final?.cmd?.value == .exec(["a"]))
        #expect(sameStage.final?.entrypoint?.value == .shell("/e --flag"))
        #expect(sameStage.final?.entrypoint?.value.argv() == ["/bin/sh", "-c", "/e --flag"])
    }

    @Test func finalConfigurationInstructions() throws {
        let dockerfile = try Dockerfile(
            parsing: """
                FROM nginx:1.25@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                ARG PORT=8080
                EXPOSE $PORT 443/tcp
                VOLUME /data ["/not-json-here"]
                VOLUME ["/cache", "/logs"]
                SHELL ["/bin/bash", "-o", "pipefail", "-c"]
                HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/ || exit 1
                STOPSIGNAL SIGQUIT
                WORKDIR /srv/./www/../site
                """)
        let final = try #require(dockerfile.finalStage)
        #expect(final.isPinnedByDigest)
        let semantics = try #require(dockerfile.final)
        #expect(semantics.expose.map(\.value) == ["8080", "443/tcp"])
        #expect(semantics.volumes.map(\.value) == ["/data", "[/not-json-here]", "/cache", "/logs"])
        #expect(semantics.shell == ["/bin/bash", "-o", "pipefail", "-c"])
        #expect(semantics.healthcheck?.test == .shell("curl -f http://localhost/ || exit 1"))
        #expect(semantics.healthcheck?.options == ["interval": "30s", "retries": "3"])
        #expect(semantics.stopSignal?.value == "SIGQUIT")
        #expect(semantics.workdir?.value == "/srv/site")
        let none = try Dockerfile(parsing: "FROM a\nHEALTHCHECK NONE\n")
        #expect(none.final?.healthcheck != nil)
        #expect(none.final?.healthcheck?.test == nil)
    }

    @Test func keywordsAreCaseInsensitiveButReportedAsWritten() throws {
        let dockerfile = try Dockerfile(parsing: "from alpine as Base\nuser 1000\nonbuild run echo\n")
        #expect(dockerfile.instructions.map(\.cmd) == ["from", "user", "onbuild"])
        #expect(dockerfile.instructions.map(\.keyword) == ["FROM", "USER", "ONBUILD"])
        #expect(dockerfile.instructions[2].subKeyword == "RUN")
        #expect(dockerfile.instructions[1].isCommand("User"))
        #expect(dockerfile.finalStage?.name == "base")
        #expect(dockerfile.final?.user?.value == "1000")
    }

    @Test func scratchAndRunMountFrom() throws {
        let dockerfile = try Dockerfile(
            parsing: "FROM golang AS build\nFROM scratch\nRUN --mount=type=bind,from=build,source=/out,target=/mnt true\n")
        #expect(dockerfile.finalStage?.isScratch == true)
        #expect(dockerfile.final?.copyFrom.first?.stageIndex == 0)
    }
}
