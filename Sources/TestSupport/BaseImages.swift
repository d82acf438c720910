import Foundation
import ImageKit

/// Well-built base images for the rule examples, assembled the way tre.md asks: mount points created, TMPDIR on
/// /scratch, a config-driven entrypoint that writes /safe_outputs, source labels, a ghcr.io tag, linux/amd64.
public enum BaseImages {
    public static let names = ["python", "r", "julia", "cuda-pytorch", "busybox", "scratch"]

    /// A file spec with an absolute path made relative, as layer tars spell names.
    public static func file(_ path: String, _ text: String, mode: UInt32 = 0o644) -> EntrySpec { .file(relative(path), text, mode: mode) }
    public static func binary(_ path: String, mode: UInt32 = 0o755) -> EntrySpec {
        // An ELF header: enough for tools that sniff the type, and never mistaken for a script.
        .file(relative(path), data: Data([0x7F, 0x45, 0x4C, 0x46, 2, 1, 1, 0] + [UInt8](repeating: 0, count: 56)), mode: mode)
    }
    public static func dir(_ path: String, mode: UInt32 = 0o755) -> EntrySpec { .dir(relative(path), mode: mode) }
    public static func link(_ path: String, _ target: String) -> EntrySpec { .symlink(relative(path), to: target) }
    public static func relative(_ path: String) -> String { String(path.drop(while: { $0 == "/" })) }

    /// Directories a parent-first tar lists before a file.
    public static func dirs(_ paths: [String]) -> [EntrySpec] {
        var seen: Set<String> = []
        var result: [EntrySpec] = []
        for path in paths {
            var prefix = ""
            for component in path.split(separator: "/") {
                prefix += "/" + component
                if seen.insert(prefix).inserted { result.append(dir(prefix, mode: prefix == "/tmp" || prefix == "/var/tmp" ? 0o1777 : prefix == "/root" ? 0o700 : 0o755)) }
            }
        }
        return result
    }

    /// A Debian-like root: accounts, a shell, env, the distribution's own setuid programs.
    public static func debianLayer() -> LayerSpec {
        LayerSpec(
            dirs(["/bin", "/etc", "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/lib", "/tmp", "/var/tmp", "/root", "/home", "/proc", "/sys", "/dev"]) + [
                file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"),
                file("/etc/group", "root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n"),
                file("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n"),
                binary("/bin/dash"), link("/bin/sh", "dash"), binary("/bin/bash"), binary("/usr/bin/env"),
                binary("/bin/su", mode: 0o4755), binary("/usr/bin/passwd", mode: 0o4755), binary("/usr/bin/chage", mode: 0o2755),
                binary("/usr/bin/curl"),
            ],
            createdBy: "/bin/sh -c #(nop) ADD file:6a0b3e2a5f8c1d7e in / ")
    }

    /// The three mount points, created as the sample containers do.
    public static func mountPointsLayer(_ extra: [EntrySpec] = [], createdBy: String) -> LayerSpec {
        LayerSpec(dirs(["/safe_data", "/scratch", "/safe_outputs"]) + extra, createdBy: createdBy)
    }

    public static let labels = [
        "org.opencontainers.image.source": "https://github.com/example/analysis",
        "org.opencontainers.image.revision": "3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d",
        "org.opencontainers.image.base.name": "docker.io/library/debian:bookworm-slim",
        "org.opencontainers.image.base.digest": "sha256:ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf",
    ]

    public static let pythonSitePackages = "/usr/local/lib/python3.12/site-packages"

    public static func pythonLayer(extraPackages: [(String, String)] = []) -> LayerSpec {
        let site = pythonSitePackages
        var entries = dirs(["/usr/local/lib/python3.12/test", "\(site)/pip/_vendor/requests", "\(site)/pandas"]) + [
            binary("/usr/local/bin/python3.12"), link("/usr/local/bin/python3", "python3.12"), link("/usr/local/bin/python", "python3"),
            link("/usr/local/bin/pip", "pip3"), file("/usr/local/bin/pip3", "#!/usr/local/bin/python3.12\nfrom pip._internal.cli.main import main\nmain()\n", mode: 0o755),
            // CPython's own test suite ships a documented test key: not a secret, and not reported.
            file("/usr/local/lib/python3.12/test/keycert.pem", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCtestkeytestkey\n-----END PRIVATE KEY-----\n"),
            file("\(site)/pip/_vendor/requests/api.py", "def get(url, params=None, **kwargs):\n    return request('get', url, params=params, **kwargs)\n"),
            file("\(site)/pandas/__init__.py", "import os\nos.system('pip install pyarrow')  # a library's code is not start-up code\n"),
        ]
        for (name, version) in [("pip", "24.0"), ("numpy", "1.26.4"), ("pandas", "2.2.1")] + extraPackages {
            entries += [dir("\(site)/\(name)-\(version).dist-info"),
                        file("\(site)/\(name)-\(version).dist-info/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")]
        }
        return LayerSpec(entries, createdBy: "/bin/sh -c set -eux; wget -O python.tar.xz \"https://www.python.org/ftp/python/3.12.2/Python-3.12.2.tar.xz\"; ./configure; make install")
    }

    public static let pythonApp = """
        #!/usr/bin/env python3
        \"\"\"Summarise the cohort the config file lists.

        Usage: python3 run.py --config /safe_data/config.json
        (pip install nothing: everything is in the image)
        \"\"\"
        import argparse
        import csv
        import json
        import os
        import sys

        from analysis import stats


        def main():
            parser = argparse.ArgumentParser()
            parser.add_argument("--config", default=os.environ.get("TRE_CONFIG", "/safe_data/config.json"))
            args = parser.parse_args()
            with open(args.config) as handle:
                config = json.load(handle)
            rows = []
            for name in config["inputs"]:
                with open(os.path.join("/safe_data", name)) as handle:
                    rows.extend(csv.DictReader(handle))
            with open(os.path.join("/safe_outputs", "summary.json"), "w") as handle:
                json.dump(stats.summarise(rows), handle)


        if __name__ == "__main__":
            sys.exit(main())

        """

    public static func appLayer(_ files: [EntrySpec], directories: [String] = ["/app"]) -> LayerSpec {
        LayerSpec(dirs(directories) + files, createdBy: "COPY app/ /app/ # buildkit")
    }

    public static func spec(_ name: String) -> ImageSpec? {
        let baseEnv = ["LANG=C.UTF-8", "TMPDIR=/scratch"]
        switch name {
        case "python":
            return ImageSpec(
                layers: [
                    debianLayer(), pythonLayer(),
                    mountPointsLayer(createdBy: "RUN /bin/sh -c mkdir -p /safe_data /scratch /safe_outputs # buildkit"),
                    appLayer([
                        file("/app/run.py", pythonApp, mode: 0o755),
                        file("/app/analysis/__init__.py", ""),
                        file("/app/analysis/stats.py", "import statistics\n\n\ndef summarise(rows):\n    return {\"rows\": len(rows)}\n"),
                    ], directories: ["/app/analysis"]),
                ],
                config: ContainerConfig(
                    env: ["PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "PYTHON_VERSION=3.12.2",
                          "GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305"] + baseEnv,
                    entrypoint: ["python3", "/app/run.py"], cmd: ["--config", "/safe_data/config.json"], workingDir: "/app",
                    labels: labels),
                repoTags: ["ghcr.io/example/analysis-python:1.0"])
        case "cuda-pytorch":
            let site = pythonSitePackages
            let cudaLayer = LayerSpec(
                dirs(["/usr/local/cuda-12.1/targets/x86_64-linux/lib"]) + [
                    link("/usr/local/cuda", "cuda-12.1"),
                    file("/usr/local/cuda-12.1/version.json", """
                        {
                           "cuda" : { "name" : "CUDA SDK", "version" : "12.1.1" },
                           "cuda_cudart" : { "name" : "CUDA Runtime (cudart)", "version" : "12.1.105" }
                        }
                        """),
                    binary("/usr/local/cuda-12.1/targets/x86_64-linux/lib/libcudart.so.12.1.105", mode: 0o644),
                    link("/usr/local/cuda-12.1/targets/x86_64-linux/lib/libcudart.so.12", "libcudart.so.12.1.105"),
                ],
                createdBy: "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends cuda-cudart-12-1=12.1.105-1")
            let torchLayer = LayerSpec(
                dirs(["\(site)/torch", "/opt/models/bert"]) + [
                    file("\(site)/torch/version.py", "__version__ = '2.3.0+cu121'\ndebug = False\ncuda: Optional[str] = '12.1'\ngit_version = 'abc'\n"),
                    file("\(site)/torch/hub.py", "def load(repo, model):\n    return download_url_to_file(url, dst)\n"),
                    file("/opt/models/bert/config.json", "{\"model_type\": \"bert\"}\n"),
                    .file(relative("/opt/models/bert/model.safetensors"), size: 4096, fill: 1),
                ] + [("torch", "2.3.0+cu121"), ("nvidia_cuda_runtime_cu12", "12.1.105"), ("nvidia_cudnn_cu12", "8.9.2.26"),
                     ("nvidia_cufft_cu12", "11.0.2.54"), ("nvidia_nvjitlink_cu12", "12.5.40"), ("transformers", "4.40.0"),
                     ("huggingface_hub", "0.23.0")].flatMap { name, version in
                    [dir("\(site)/\(name)-\(version).dist-info"),
                     file("\(site)/\(name)-\(version).dist-info/METADATA", "Metadata-Version: 2.1\nName: \(name)\nVersion: \(version)\n")]
                },
                createdBy: "RUN /bin/sh -c pip install --no-cache-dir torch==2.3.0 transformers==4.40.0 # buildkit")
            let train = """
                import json
                import os
                import sys

                import torch
                from transformers import AutoModel

                config = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "/safe_data/config.json"))
                model = AutoModel.from_pretrained("/opt/models/bert")
                device = "cuda" if torch.cuda.is_available() else "cpu"
                for name in config["inputs"]:
                    text = open(os.path.join("/safe_data", name)).read()
                with open("/safe_outputs/embeddings.json", "w") as handle:
                    json.dump({"device": device}, handle)

                """
            return ImageSpec(
                layers: [
                    debianLayer(), cudaLayer, pythonLayer(), torchLayer,
                    mountPointsLayer(createdBy: "RUN /bin/sh -c mkdir -p /safe_data /scratch /safe_outputs # buildkit"),
                    appLayer([file("/app/train.py", train)]),
                ],
                config: ContainerConfig(
                    env: ["PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "CUDA_VERSION=12.1.1", "NVIDIA_REQUIRE_CUDA=cuda>=12.1 brand=tesla,driver>=470,driver<471",
                          "NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility", "HF_HUB_OFFLINE=1",
                          "TRANSFORMERS_OFFLINE=1"] + baseEnv,
                    entrypoint: ["python3", "/app/train.py"], cmd: ["/safe_data/config.json"], workingDir: "/app", labels: labels),
                repoTags: ["ghcr.io/example/embeddings-gpu:1.0"])
        case "r":
            let runR = """
                #!/usr/bin/env Rscript
                # Summarise every input the config lists.
                library(jsonlite)
                source("/app/R/helpers.R")
                args <- commandArgs(trailingOnly = TRUE)
                config <- fromJSON(if (length(args) > 0) args[[1]] else "/safe_data/config.json")
                results <- lapply(config$inputs, function(name) summarise_file(file.path("/safe_data", name)))
                write.csv(do.call(rbind, results), file.path("/safe_outputs", "summary.csv"), row.names = FALSE)

                """
            let rLayer = LayerSpec(
                dirs(["/usr/lib/R/bin", "/usr/lib/R/library/utils/R", "/usr/local/lib/R/site-library/jsonlite"]) + [
                    file("/usr/lib/R/bin/R", "#!/bin/bash\nR_HOME_DIR=/usr/lib/R\nexec ${R_HOME_DIR}/bin/exec/R \"$@\"\n", mode: 0o755),
                    link("/usr/bin/R", "../lib/R/bin/R"), binary("/usr/bin/Rscript"),
                    file("/usr/lib/R/library/utils/R/utils.R", "install.packages <- function(pkgs) download.file(url, destfile)\n"),
                    file("/usr/local/lib/R/site-library/jsonlite/DESCRIPTION", "Package: jsonlite\nVersion: 1.8.8\n"),
                ],
                createdBy: "/bin/sh -c apt-get update && apt-get install -y r-base=4.3.3-1 r-cran-jsonlite")
            return ImageSpec(
                layers: [
                    debianLayer(), rLayer,
                    mountPointsLayer(createdBy: "RUN /bin/sh -c mkdir -p /safe_data /scratch /safe_outputs # buildkit"),
                    appLayer([
                        file("/app/run.R", runR, mode: 0o755),
                        file("/app/R/helpers.R", "summarise_file <- function(path) {\n  d <- read.csv(path)\n  data.frame(file = basename(path), rows = nrow(d))\n}\n"),
                    ], directories: ["/app/R"]),
                ],
                config: ContainerConfig(
                    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "R_BASE_VERSION=4.3.3"] + baseEnv,
                    entrypoint: ["Rscript", "/app/run.R"], cmd: ["/safe_data/config.json"], workingDir: "/app", labels: labels),
                repoTags: ["ghcr.io/example/analysis-r:1.0"])
        case "julia":
            let runJl = """
                # Summarise the inputs the config names.
                using JSON3
                include("summary.jl")
                config = JSON3.read(read(get(ENV, "TRE_CONFIG", "/safe_data/config.json"), String))
                open(joinpath("/safe_outputs", "summary.txt"), "w") do io
                    for name in config.inputs
                        println(io, summarise(joinpath("/safe_data", name)))
                    end
                end

                """
            let juliaLayer = LayerSpec(
                dirs(["/usr/local/julia/bin", "/opt/julia-depot/packages/JSON3/abcd/src"]) + [
                    binary("/usr/local/julia/bin/julia"), link("/usr/local/bin/julia", "/usr/local/julia/bin/julia"),
                    file("/opt/julia-depot/packages/JSON3/abcd/src/JSON3.jl", "module JSON3\nusing Downloads\nf() = Downloads.download(\"https://example.org\")\nend\n"),
                ],
                createdBy: "/bin/sh -c curl -fsSL https://julialang-s3.julialang.org/bin/linux/x64/1.10/julia-1.10.2-linux-x86_64.tar.gz | tar -xz -C /usr/local/julia --strip-components=1 && julia -e 'using Pkg; Pkg.add(\"JSON3\"); Pkg.precompile()'")
            return ImageSpec(
                layers: [
                    debianLayer(), juliaLayer,
                    mountPointsLayer(createdBy: "RUN /bin/sh -c mkdir -p /safe_data /scratch /safe_outputs # buildkit"),
                    appLayer([
                        file("/app/run.jl", runJl),
                        file("/app/summary.jl", "summarise(path) = string(basename(path), \": \", countlines(path))\n"),
                        file("/app/Project.toml", "[deps]\nJSON3 = \"0f8b85d8-7281-11e9-16c2-39a750bddbf1\"\n"),
                    ]),
                ],
                config: ContainerConfig(
                    env: ["PATH=/usr/local/julia/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                          "JULIA_DEPOT_PATH=/opt/julia-depot", "JULIA_VERSION=1.10.2"] + baseEnv,
                    entrypoint: ["julia", "--project=/app", "/app/run.jl"], workingDir: "/app", labels: labels),
                repoTags: ["ghcr.io/example/analysis-julia:1.0"])
        case "busybox":
            let applets = ["sh", "env", "cat", "ls", "mkdir", "wc", "echo", "wget"]
            let runSh = """
                #!/bin/sh
                # Count the lines of every input the config lists.
                set -eu
                CONFIG="${1:-/safe_data/config.txt}"
                while read -r name; do
                    wc -l "/safe_data/$name" >> /safe_outputs/counts.txt
                done < "$CONFIG"

                """
            return ImageSpec(
                layers: [
                    LayerSpec(
                        dirs(["/bin", "/etc", "/tmp", "/root", "/usr/bin"]) + [
                            binary("/bin/busybox"),
                            file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"),
                            file("/etc/group", "root:x:0:\nnogroup:x:65534:\n"),
                        ] + applets.map { link("/bin/\($0)", "busybox") },
                        createdBy: "/bin/sh -c #(nop) ADD file:2c0b4a8e9f in / "),
                    mountPointsLayer([dir("/app"), file("/app/run.sh", runSh, mode: 0o755)], createdBy: "COPY run.sh /app/ # buildkit"),
                ],
                config: ContainerConfig(
                    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + baseEnv,
                    entrypoint: ["/app/run.sh"], labels: labels),
                repoTags: ["ghcr.io/example/line-counts:1.0"])
        case "scratch":
            return ImageSpec(
                layers: [
                    mountPointsLayer([dir("/app"), binary("/app/analyse")], createdBy: "COPY analyse /app/analyse # buildkit"),
                ],
                config: ContainerConfig(
                    env: ["PATH=/app:/usr/bin:/bin"] + baseEnv,
                    entrypoint: ["/app/analyse"], cmd: ["--config", "/safe_data/config.json"], labels: labels),
                repoTags: ["ghcr.io/example/analyse-static:1.0"])
        default:
            return nil
        }
    }
}
