import TRECore
import Facts
import Foundation
import ImageKit
import Rules
import Sandbox
import Testing
import TestSupport

/// Realistic good and faulty images, each with the exact set of rules it must trigger.
@Suite("Static checks on realistic images")
struct ChecksRealisticImagesTests {
    private func ruleIDs(_ checked: FactsHarness.Checked) -> Set<String> { Set(checked.violations.map(\.rule)) }

    private func spec(_ image: [String: Any]) throws -> ImageSpec { try ExampleImages.spec(from: image) }

    @Test("well-built python, R, CUDA/PyTorch and Julia images trigger nothing", arguments: ["python", "r", "cuda-pytorch", "julia"])
    func wellBuilt(_ base: String) throws {
        let checked = try FactsHarness.check(try spec(["base": base]), configuration: Configuration(cuda: CUDASettings(driver: "550.54.14")))
        #expect(ruleIDs(checked) == [], "\(checked.violations.map { "\($0.rule): \($0.message)" })")
    }

    @Test("a well-built python image with its pinned Dockerfile triggers nothing")
    func wellBuiltWithDockerfile() throws {
        let dockerfile = """
            FROM python:3.12-slim@sha256:ad86386827b083b3d71139050b47ffb32bbd9559ea9b1345a739b14fec2d9ecf
            RUN pip install --no-cache-dir pandas==2.2.1
            RUN mkdir -p /safe_data /scratch /safe_outputs
            COPY app/ /app/
            ENV TMPDIR=/scratch
            LABEL org.opencontainers.image.source=https://github.com/example/analysis \\
                  org.opencontainers.image.revision=3f9c2d1e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d
            WORKDIR /app
            ENTRYPOINT ["python3", "/app/run.py"]
            CMD ["--config", "/safe_data/config.json"]

            """
        let checked = try FactsHarness.check(try spec(["base": "python"]), dockerfile: dockerfile)
        #expect(ruleIDs(checked) == [], "\(checked.violations.map { "\($0.rule): \($0.message)" })")
    }

    @Test("a python image with the typical faults, checked against its Dockerfile")
    func faultyPython() throws {
        let dockerfile = """
            FROM python:3.12
            ENV https_proxy=http://proxy.example.ac.uk:3128
            COPY . /app
            RUN useradd -m analyst
            USER analyst
            WORKDIR /app
            EXPOSE 8888
            ENTRYPOINT python3 /app/main.py

            """
        let main = """
            import subprocess
            import pandas as pd

            df = pd.read_csv("/safe_data/my_patients.csv")
            subprocess.run(["pip", "install", "scikit-learn"])
            df.describe().to_csv("summary.csv")

            """
        let image: [String: Any] = [
            "base": "python",
            "tags": ["docker.io/researcher/analysis:latest"],
            "config": [
                "Entrypoint": ["/bin/sh", "-c", "python3 /app/main.py"], "Cmd": NSNull(), "User": "analyst",
                "Env": ["https_proxy=http://proxy.example.ac.uk:3128", "TMPDIR"], "ExposedPorts": ["8888/tcp": [String: String]()],
                "Labels": NSNull(),
            ] as [String: Any],
            "files": [
                ["path": "/app/main.py", "content": main],
                ["path": "/app/data/patients.csv", "size": 5_000_000],
                ["path": "/safe_data/test.csv", "content": "id,age\n1,42\n"],
                ["path": "/etc/passwd", "content": "root:x:0:0:root:/root:/bin/bash\nanalyst:x:1000:1000::/home/analyst:/bin/sh\n"],
                ["path": "/root/.aws/credentials", "content": "[default]\naws_access_key_id = AKIAZ7Q4XWJ3N5R2T6YB\naws_secret_access_key = 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\n"],
            ],
            "remove": ["/scratch", "/safe_outputs", "/root/.aws/credentials"],
        ]
        let checked = try FactsHarness.check(try spec(image), dockerfile: dockerfile)
        #expect(ruleIDs(checked) == [
            "TRE105", "TRE107", "TRE108", "TRE109", "TRE201", "TRE202", "TRE204", "TRE205", "TRE206", "TRE207", "TRE208",
            "TRE301", "TRE305", "TRE501", "TRE502", "TRE503", "TRE504",
        ], "\(checked.violations.map { "\($0.rule): \($0.message)" })")
        func location(_ rule: String) -> Location? { checked.violations.first { $0.rule == rule }?.location }
        #expect(location("TRE503") == Location(kind: .dockerfile, path: "Dockerfile", line: 1))
        #expect(location("TRE305") == Location(kind: .dockerfile, path: "Dockerfile", line: 2))
        #expect(location("TRE107") == Location(kind: .dockerfile, path: "Dockerfile", line: 5))
        #expect(location("TRE109") == Location(kind: .dockerfile, path: "Dockerfile", line: 7))
        #expect(location("TRE105") == Location(kind: .dockerfile, path: "Dockerfile", line: 8))
        #expect(location("TRE204")?.path == "/app/main.py" && location("TRE204")?.line == 4)
        #expect(location("TRE301")?.path == "/app/main.py" && location("TRE301")?.line == 5)
        #expect(location("TRE108")?.path == "/app/main.py" && location("TRE108")?.line == 6)
        let secret = checked.violations.first { $0.rule == "TRE504" }
        #expect(secret?.location.path == "/root/.aws/credentials")
        #expect(secret?.message.contains("still ships") == true, "a deleted secret says its layer still ships it")
    }

    @Test("an R image with run-time installs, downloads, a volume and a password, located through the history")
    func faultyR() throws {
        let analysis = """
            install.packages("survival")
            download.file("https://example.org/codes.csv", "/scratch/codes.csv")
            d <- read.csv("/safe_data/cohort.csv")
            write.csv(summary(d), "/safe_outputs/summary.csv")

            """
        let image: [String: Any] = [
            "base": "r",
            "config": [
                "Entrypoint": ["Rscript", "/app/analysis.R"], "Cmd": NSNull(), "Volumes": ["/safe_outputs": [String: String]()],
                "Env": ["DB_PASSWORD=hunter2hunter2"],
            ] as [String: Any],
            "files": [
                ["path": "/app/analysis.R", "content": analysis],
                ["path": "/home/analysis/cohort.rds", "size": 2_000_000],
            ],
        ]
        let checked = try FactsHarness.check(try spec(image))
        #expect(ruleIDs(checked) == ["TRE203", "TRE204", "TRE205", "TRE208", "TRE301", "TRE302", "TRE505"],
                "\(checked.violations.map { "\($0.rule): \($0.message)" })")
        let volume = checked.violations.first { $0.rule == "TRE203" }?.location
        #expect(volume?.kind == .dockerfile && volume?.path == BuildRecord.historyPath && volume?.line != nil,
                "without a Dockerfile the VOLUME is found in the rebuilt history: \(String(describing: volume))")
        let password = checked.violations.first { $0.rule == "TRE505" }
        #expect(password?.message.contains("hunter2") == false, "the secret's value is never printed")
    }

    @Test("a CUDA/PyTorch image with mismatched CUDA, a Hub download, no offline mode and a network healthcheck")
    func faultyCUDA() throws {
        let train = """
            import json, sys
            import torch
            config = json.load(open(sys.argv[1]))
            model = torch.hub.load("pytorch/vision", "resnet50")
            torch.save(model.state_dict(), "/safe_outputs/model.pt")

            """
        let image: [String: Any] = [
            "base": "cuda-pytorch",
            "config": [
                "Env": ["HF_HUB_OFFLINE"],
                "Healthcheck": ["Test": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"]],
            ] as [String: Any],
            "files": [
                ["path": "/app/train.py", "content": train],
                ["path": "/usr/local/lib/python3.12/site-packages/torch/version.py", "content": "__version__ = '2.1.0+cu118'\ncuda = '11.8'\n"],
                ["path": "/usr/local/bin/gpu-reset", "mode": "4755", "content": "#!/bin/sh\nnvidia-smi -r\n"],
                ["path": "/root/.cache/pip/wheels/torch.whl", "size": 60_000_000],
            ],
            "remove": ["/root/.cache/pip"],
        ]
        let configuration = Configuration(cuda: CUDASettings(driver: "525.60.13"))
        let checked = try FactsHarness.check(try spec(image), configuration: configuration)
        #expect(ruleIDs(checked) == ["TRE302", "TRE303", "TRE306", "TRE402", "TRE403", "TRE506", "TRE508"],
                "\(checked.violations.map { "\($0.rule): \($0.message)" })")
    }

    @Test("a Julia image for the wrong platform, with a broken start script and a licence server")
    func faultyJulia() throws {
        let start = """
            #!/bin/sh
            julia -e 'using Pkg; Pkg.instantiate()'
            exec julia --project=/app /app/run.jl "$@"

            """
        let run = """
            for f in readdir("/safe_data")
                open("results.txt", "a") do io
                    println(io, f, ": ", countlines(joinpath("/safe_data", f)))
                end
            end

            """
        let image: [String: Any] = [
            "base": "julia",
            "platform": "linux/arm64",
            "config": [
                "Entrypoint": ["/app/start.sh"], "Env": ["TMPDIR", "LM_LICENSE_FILE=27000@lic.example.org"],
            ] as [String: Any],
            "files": [
                ["path": "/app/start.sh", "mode": "0644", "content": start],
                ["path": "/app/run.jl", "content": run],
                ["path": "/opt/julia-depot/config/startup.jl", "content": "ENV[\"GITHUB_AUTH\"] = \"ghp_x8K2mQ9vL4nR7tW1yZ3bC6dF0gH5jP8sA2uE\"\n"],
            ],
        ]
        let checked = try FactsHarness.check(try spec(image))
        #expect(ruleIDs(checked) == ["TRE101", "TRE104", "TRE108", "TRE206", "TRE207", "TRE301", "TRE304", "TRE504"],
                "\(checked.violations.map { "\($0.rule): \($0.message)" })")
    }

    @Test("every static catalog rule has exactly one check, and every check is in the catalog")
    func registryCoversCatalog() throws {
        let catalog = try RuleCatalog.embedded()
        let registry = StaticChecks.registry
        #expect(registry.duplicateIDs.isEmpty)
        #expect(registry.idsMissingFromCatalog(catalog).isEmpty)
        #expect(registry.idsWithoutCheck(in: catalog).filter { !$0.hasPrefix("TRE9") }.isEmpty)
        #expect(registry.ids.count == 34)
    }

    @Test("configured mount paths move every mount rule")
    func configuredMounts() throws {
        let configuration = Configuration(mounts: MountPoints(safeData: "/data", scratch: "/work", safeOutputs: "/results"))
        let checked = try FactsHarness.check(try spec(["base": "python"]), configuration: configuration)
        let ids = ruleIDs(checked)
        #expect(ids.isSuperset(of: ["TRE201", "TRE206", "TRE207"]), "\(ids)")
        #expect(checked.violations.filter { $0.rule == "TRE201" }.compactMap(\.location.path).sorted() == ["/data", "/results", "/work"])
    }

    @Test("facts read lazily from the tree equal those seen through the loader's single pass")
    func lazyEqualsObserved() throws {
        let image = try spec([
            "base": "cuda-pytorch",
            "files": [["path": "/root/.ssh/id_rsa", "content": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----\n"]],
        ])
        let observed = try FactsHarness.facts(image)
        let lazy = try FactsHarness.facts(image, observe: false)
        #expect(observed.startupCode == lazy.startupCode)
        #expect(observed.cuda == lazy.cuda)
        #expect(observed.secrets == lazy.secrets && observed.secrets.count == 1)
        #expect(observed.users == lazy.users)
    }

    @Test("hostile start-up code ends: symlink loops, self-sourcing scripts, import cycles")
    func hostileStartup() throws {
        let image = try spec([
            "base": "python",
            "config": ["Entrypoint": ["/app/loop"], "Cmd": NSNull()] as [String: Any],
            "files": [
                ["path": "/app/loop", "link": "/app/loop2"], ["path": "/app/loop2", "link": "/app/loop"],
                ["path": "/app/a.py", "content": "import b\nfrom . import a\n"], ["path": "/app/b.py", "content": "import a\n"],
                ["path": "/app/self.sh", "mode": "0755", "content": "#!/bin/sh\n. /app/self.sh\nsh /app/self.sh\npython3 /app/a.py\n"],
            ],
        ])
        let checked = try FactsHarness.check(image)
        #expect(ruleIDs(checked).contains("TRE103"), "a symlink loop leads nowhere")
        var looping = image
        looping.config.entrypoint = ["/app/self.sh"]
        let facts = try FactsHarness.facts(looping)
        #expect(Set(facts.startupCode.compactMap(\.path)) == ["/app/self.sh", "/app/a.py", "/app/b.py"])
    }

    @Test("the same facts come out of every image layout")
    func layoutsAgree() throws {
        let image = try spec(["base": "cuda-pytorch"])
        var summaries: [String] = []
        for layout in ImageBuilder.Layout.allCases {
            let facts = try FactsHarness.facts(image, layout: layout)
            summaries.append("\(facts.cuda) \(facts.startupCode.compactMap(\.path)) \(facts.pythonDistributions.count)")
        }
        #expect(Set(summaries).count == 1, "\(summaries)")
    }
}
