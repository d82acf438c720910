import TRECore
@testable import Facts
import Foundation
import ImageKit
import Testing

@Suite("Start-up code scanning")
struct FactsSourceScannerTests {
    let scanner = SourceScanner()

    private func kinds(_ text: String, _ language: SourceLanguage) -> Set<SignalKind> {
        Set(scanner.scan(text, language: language).signals.map(\.kind))
    }

    @Test("Python imports become module references, relative ones keep their dots")
    func pythonImports() {
        let references = scanner.scan("import os, analysis.stats as s\nfrom .helpers import load, save\nfrom pkg import (mod)\n", language: .python).references
        #expect(references.contains(.pythonModule("analysis.stats")))
        #expect(references.contains(.pythonModule(".helpers")))
        #expect(references.contains(.pythonModule(".helpers.load")))
        #expect(references.contains(.pythonModule("pkg.mod")))
    }

    @Test("docstrings and comments are not code")
    func docstringsAndComments() {
        let text = "\"\"\"Usage:\n  pip install x\n  curl https://example.org\n\"\"\"\n# requests.get('https://example.org')\nx = 1  # pip install y\n"
        #expect(kinds(text, .python).isEmpty)
    }

    @Test("shell lines: installs, downloads, scripts named, redirections")
    func shellLines() {
        let text = "#!/bin/sh\napt-get update && apt-get install -y jq\nwget -q https://x/y\nexec python3 /app/run.py \"$@\"\necho done 2>&1 > /dev/null\n. ./lib.sh\n"
        let scanned = scanner.scan(text, language: .shell)
        let found = Set(scanned.signals.map(\.kind))
        #expect(found.isSuperset(of: [.packageInstall, .download, .readsConfiguration]))
        #expect(!found.contains(.writesWorkingDirectory), "redirections to /dev/null and 2>&1 are not files")
        #expect(scanned.references.contains(.file("/app/run.py")))
        #expect(scanned.references.contains(.file("./lib.sh")))
        #expect(scanned.signals.first { $0.kind == .packageInstall }?.line == 2)
    }

    @Test("R writes a relative path only with a literal among its arguments")
    func rRelativeWrites() {
        #expect(kinds("write.csv(x, \"summary.csv\")\n", .r).contains(.writesWorkingDirectory))
        #expect(kinds("write.csv(x, file = \"out/summary.csv\", row.names = FALSE)\n", .r).contains(.writesWorkingDirectory))
        #expect(!kinds("write.csv(x, file.path(outputs_dir, \"summary.csv\"))\n", .r).contains(.writesWorkingDirectory))
        #expect(!kinds("saveRDS(model, \"/safe_outputs/model.rds\")\n", .r).contains(.writesWorkingDirectory))
    }

    @Test("Python runs pip only through a process call")
    func pythonPip() {
        #expect(kinds("subprocess.check_call([sys.executable, '-m', 'pip', 'install', 'x'])\n", .python).contains(.packageInstall))
        #expect(kinds("os.system('pip install x')\n", .python).contains(.packageInstall))
        #expect(!kinds("print('run pip install x first')\n", .python).contains(.packageInstall))
    }

    @Test("a hard-coded data file is a fault; a fixed config path is how inputs are named")
    func hardCodedInputs() {
        let fixed = scanner.scan("df = pd.read_csv('/safe_data/my_patients.csv')\n", language: .python).signals
        #expect(fixed.contains { $0.kind == .hardCodedInput && $0.detail == "/safe_data/my_patients.csv" })
        let config = Set(scanner.scan("cfg = json.load(open('/safe_data/config.json'))\n", language: .python).signals.map(\.kind))
        #expect(!config.contains(.hardCodedInput))
        #expect(config.contains(.readsConfiguration))
        let directory = Set(scanner.scan("files = os.listdir('/safe_data')\n", language: .python).signals.map(\.kind))
        #expect(directory.contains(.readsConfiguration) && !directory.contains(.hardCodedInput))
    }

    @Test("R and Julia follow source() and include(), and see installs and downloads")
    func rAndJulia() {
        let r = scanner.scan("source('R/helpers.R')\nBiocManager::install('DESeq2')\ndownload.file(u, d)\n", language: .r)
        #expect(r.references.contains(.file("R/helpers.R")))
        #expect(Set(r.signals.map(\.kind)).isSuperset(of: [.packageInstall, .download]))
        let julia = scanner.scan("include(\"model.jl\")\nusing Pkg; Pkg.add(\"CSV\")\nHTTP.get(url)\n", language: .julia)
        #expect(julia.references.contains(.file("model.jl")))
        #expect(Set(julia.signals.map(\.kind)).isSuperset(of: [.packageInstall, .download]))
    }

    @Test("mount paths come from the configuration")
    func configuredMounts() {
        let custom = SourceScanner(mounts: MountPoints(safeData: "/data", scratch: "/tmpwork", safeOutputs: "/out"))
        let kinds = Set(custom.scan("x = open('/data/a.csv')\nopen('/out/b', 'w')\n", language: .python).signals.map(\.kind))
        #expect(kinds.isSuperset(of: [.hardCodedInput, .writesOutputs, .readsData]))
    }

    @Test("languages are told by #! line, then by extension")
    func languageDetection() {
        #expect(SourceLanguage.detect(path: "/usr/local/bin/run", firstLine: "#!/usr/bin/env -S python3 -u") == .python)
        #expect(SourceLanguage.detect(path: "/app/x", firstLine: "#!/usr/bin/env Rscript") == .r)
        #expect(SourceLanguage.detect(path: "/app/x.jl", firstLine: "using CSV") == .julia)
        #expect(SourceLanguage.detect(path: "/app/x.txt", firstLine: "hello") == nil)
    }
}

@Suite("Secrets by content")
struct FactsSecretTests {
    private func kinds(_ path: String, _ text: String) -> [SecretKind] {
        SecretScanner.scan(path: path, contents: Data(text.utf8)).map(\.kind)
    }

    @Test("a private key needs its body; a header in prose is not a key")
    func privateKeys() {
        #expect(kinds("/k", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\n-----END RSA PRIVATE KEY-----\n") == [.privateKey])
        #expect(kinds("/doc.md", "Never commit -----BEGIN RSA PRIVATE KEY----- files.\nThanks.\n").isEmpty)
    }

    @Test("cloud credentials, tokens and credential files are recognised by shape")
    func tokens() {
        #expect(kinds("/c", "aws_secret_access_key = wJ8rXUtnFEMI/K7MDENG/bPxRfiCYzXq3v9Lk2Pd\n") == [.awsCredentials])
        #expect(kinds("/c", "key = AKIAIOSFODNN7EXAMPLE\n").isEmpty, "AWS's documented example key")
        #expect(kinds("/c", "token: ghp_x8K2mQ9vL4nR7tW1yZ3bC6dF0gH5jP8sA2uE\n") == [.githubToken])
        #expect(kinds("/c", "glpat-Xy7Kp2Qm9Rt4Vw8Zb3Nc\n") == [.gitlabToken])
        #expect(kinds("/c", "HF=hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh\n") == [.huggingFaceToken])
        #expect(kinds("/root/.git-credentials", "https://s123:ghs2Token99@github.com\n") == [.gitCredentials])
        #expect(kinds("/root/.netrc", "machine h login u password p4ssw0rd\n") == [.netrcPassword])
        #expect(kinds("/root/.pypirc", "[pypi]\npassword = <your token>\n").isEmpty, "a placeholder is not a password")
        #expect(kinds("/etc/pip.conf", "index-url = https://user:password@pypi.example.org/simple\n").isEmpty, "placeholder credentials")
    }

    @Test("package test suites, documentation and binaries are not read")
    func skipped() {
        #expect(!SecretScanner.wants(path: "/usr/lib/python3.11/test/keycert.pem", size: 100))
        #expect(!SecretScanner.wants(path: "/usr/local/lib/python3.12/site-packages/cryptography/hazmat/x.py", size: 100))
        #expect(!SecretScanner.wants(path: "/app/model.safetensors", size: 100))
        #expect(!SecretScanner.wants(path: "/app/big.txt", size: SecretScanner.maximumFileSize + 1))
        #expect(SecretScanner.wants(path: "/root/.ssh/id_rsa", size: 1700))
        #expect(SecretScanner.scan(path: "/bin/x", contents: Data([0x7F, 0x45, 0, 0]) + Data("ghp_x8K2mQ9vL4nR7tW1yZ3bC6dF0gH5jP8sA2uE".utf8)).isEmpty)
    }

    @Test("Env and history assignments: token shapes and literal values of secret-named variables")
    func assignments() {
        #expect(SecretScanner.scanAssignmentText("DB_PASSWORD=correct-horse") == .namedSecret)
        #expect(SecretScanner.scanAssignmentText("|1 HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh /bin/sh -c x") == .huggingFaceToken)
        #expect(SecretScanner.scanAssignmentText("HF_TOKEN_FILE=/run/secrets/hf") == nil)
        #expect(SecretScanner.scanAssignmentText("API_KEY=${API_KEY}") == nil)
        #expect(SecretScanner.scanAssignmentText("GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305") == nil)
        #expect(SecretScanner.scanAssignmentText("PASSWORD=changeme") == nil)
    }
}

@Suite("CUDA sources")
struct FactsCUDATests {
    @Test("runtime wheels state major.minor; other nvidia wheels only their CUDA major")
    func wheels() {
        let runtime = CUDADetector.fromDistribution(name: "nvidia-cuda-runtime-cu12", version: "12.1.105", path: "/p")
        #expect(runtime?.version == DottedVersion("12.1") && runtime?.precise == true)
        let cudnn = CUDADetector.fromDistribution(name: "nvidia-cudnn-cu12", version: "8.9.2.26", path: "/p")
        #expect(cudnn?.version == DottedVersion("12") && cudnn?.precise == false)
        #expect(CUDADetector.fromDistribution(name: "numpy", version: "1.26.4", path: "/p") == nil)
    }

    @Test("version files, torch builds and libcudart names")
    func files() {
        let json = CUDADetector.fromContents(path: "/usr/local/cuda-11.8/version.json", text: #"{"cuda": {"version": "11.8.0"}, "cuda_cudart": {"name": "x", "version": "11.8.89"}}"#)
        #expect(json?.version == DottedVersion("11.8.89"))
        let txt = CUDADetector.fromContents(path: "/usr/local/cuda/version.txt", text: "CUDA Version 10.2.89\n")
        #expect(txt?.version == DottedVersion("10.2.89"))
        let torch = CUDADetector.fromContents(path: "/x/site-packages/torch/version.py", text: "__version__ = '2.3.0'\ncuda: Optional[str] = '12.1'\n")
        #expect(torch?.version == DottedVersion("12.1") && torch?.kind == .pytorch)
        #expect(CUDADetector.fromFileName("/usr/lib/x86_64-linux-gnu/libcudart.so.11.8.89")?.version == DottedVersion("11.8.89"))
        #expect(CUDADetector.fromFileName("/usr/lib/libcudart.so") == nil)
        #expect(PythonDistribution(name: "torch", version: "2.3.0+cu121", path: "/p").cudaFromLocalVersion == DottedVersion("12.1"))
        #expect(PythonDistribution(name: "torch", version: "2.3.0+cpu", path: "/p").cudaFromLocalVersion == nil)
    }

    @Test("the runtime version prefers the toolkit's own files over what frameworks were built for")
    func summary() {
        let sources = [
            CUDAVersionSource(kind: .pytorch, path: "/t", version: DottedVersion(components: [11, 8])),
            CUDAVersionSource(kind: .environment, path: "CUDA_VERSION", version: DottedVersion(components: [12, 1, 1])),
        ]
        #expect(DetectedCUDA(sources: sources).version == DottedVersion("12.1.1"))
        #expect(DetectedCUDA(sources: []).version == nil)
    }

    @Test("minimum drivers follow NVIDIA's table, keeping its spelling")
    func drivers() {
        #expect(CUDADetector.minimumDriver(for: DottedVersion(components: [12, 1, 105]))?.description == "530.30.02")
        #expect(CUDADetector.minimumDriver(for: DottedVersion(components: [12, 7]))?.description == "560.28.03")
        #expect(CUDADetector.minimumDriver(for: DottedVersion(components: [9, 0])) == nil)
        #expect(DottedVersion("12.10")! > DottedVersion("12.9")!)
        #expect(DottedVersion("12.1") == DottedVersion("12.1.0"))
    }
}

@Suite("Merged-tree lookups, programs and users")
struct FactsTreeTests {
    let index = FileIndex(entries: [
        TreeEntry(path: "/usr", type: .dir, mode: 0o755, layer: 0),
        TreeEntry(path: "/usr/bin", type: .dir, mode: 0o755, layer: 0),
        TreeEntry(path: "/usr/bin/python3.12", type: .file, mode: 0o755, layer: 0),
        TreeEntry(path: "/usr/bin/env", type: .file, mode: 0o755, layer: 0),
        TreeEntry(path: "/usr/bin/python3", type: .symlink, mode: 0o777, link: "python3.12", layer: 0),
        TreeEntry(path: "/bin", type: .symlink, mode: 0o777, link: "usr/bin", layer: 0),
        TreeEntry(path: "/loop", type: .symlink, mode: 0o777, link: "/loop", layer: 0),
        TreeEntry(path: "/app", type: .dir, mode: 0o755, layer: 1),
        TreeEntry(path: "/app/run.sh", type: .file, mode: 0o755, layer: 1),
        TreeEntry(path: "/app/tool", type: .file, mode: 0o755, layer: 1),
    ])

    @Test("symlinks resolve in any component, relative and absolute; loops end")
    func resolve() {
        #expect(index.resolve("/bin/python3")?.path == "/usr/bin/python3.12")
        #expect(index.resolve("/app/../bin/python3")?.path == "/usr/bin/python3.12")
        #expect(index.resolve("/loop") == nil)
        #expect(index.resolve("/missing") == nil)
        #expect(index.descendants(of: "/app").map(\.path) == ["/app/run.sh", "/app/tool"])
    }

    @Test("programs are found through PATH and WorkingDir; #! interpreters must exist")
    func programs() {
        let resolver = ProgramResolver(index: index, pathVariable: "/usr/local/bin:/bin", workingDirectory: "/app")
        let shebangs = ["/app/run.sh": "#!/usr/bin/env python3", "/app/tool": "#!/bin/bash -e"]
        #expect(resolver.resolve("python3") { _ in nil }.foundAt == "/bin/python3")
        #expect(resolver.resolve("./run.sh") { shebangs[$0] }.problem == nil)
        #expect(resolver.resolve("tool") { _ in nil }.problem == .notFound(searched: ["/usr/local/bin/tool", "/bin/tool"]))
        #expect(resolver.resolve("/app/tool") { shebangs[$0] }.problem == .interpreterMissing(script: "/app/tool", interpreter: "/bin/bash"))
    }

    @Test("launchers are skipped to find the program")
    func unwrap() {
        #expect(StartCommand.unwrap(["/usr/bin/tini", "--", "env", "A=1", "-u", "B", "python3", "x.py"]).argv == ["python3", "x.py"])
        #expect(StartCommand.shellFormCommand(["/bin/sh", "-c", "python3 x.py"]) == "python3 x.py")
    }

    @Test("USER resolves through /etc/passwd; names mapping to uid 0 are root")
    func users() {
        let database = UserDatabase(passwd: "root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n", group: "root:x:0:\n")
        #expect(RunAsUser(spelled: "", database: database).isRoot)
        #expect(RunAsUser(spelled: "0:0", database: database).isRoot)
        #expect(RunAsUser(spelled: "toor", database: database).isRoot)
        #expect(RunAsUser(spelled: "app", database: database).uid == 1000)
        #expect(RunAsUser(spelled: "ghost", database: database).uid == nil)
        #expect(!RunAsUser(spelled: "1000:0", database: database).isRoot)
    }

    @Test("the collector keeps the merged tree's copy and scans every layer's copy, from many threads at once")
    func collector() async {
        let collector = FactsCollector()
        await withTaskGroup(of: Void.self) { group in
            for layer in 0..<8 {
                group.addTask {
                    collector.observe("/app/run.py", layer: layer, contents: Data("print(\(layer))\n".utf8))
                    collector.observe("/root/.ssh/id_rsa", layer: layer, contents: Data("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n".utf8))
                }
            }
        }
        #expect(collector.contents(of: "/app/run.py", layer: 7) == Data("print(7)\n".utf8))
        #expect(collector.contents(of: "/app/run.py", layer: 3) == nil)
        #expect(collector.wants("/etc/passwd", size: 100, layer: 0))
        #expect(!collector.wants("/usr/lib/x86_64-linux-gnu/libc.so.6", size: 2_000_000, layer: 0))
    }
}

@Suite("Shell commands")
struct FactsShellCommandTests {
    private func kinds(_ text: String, _ language: SourceLanguage = .shell) -> Set<SignalKind> {
        Set(SourceScanner().scan(text, language: language).signals.map(\.kind))
    }

    @Test("only commands in command position install or download")
    func commandPosition() {
        #expect(kinds("if command -v curl >/dev/null; then echo ok; fi\n").isEmpty)
        #expect(kinds("echo \"run pip install first\"\n").isEmpty)
        #expect(kinds("[ -f x ] || curl -fsSL https://x -o y\n").contains(.download))
        #expect(kinds("VAR=1 exec sudo apt-get -y install jq\n").contains(.packageInstall))
        #expect(kinds("result=$(wget -qO- https://x)\n").contains(.download))
        #expect(kinds("git clone https://github.com/x/y /scratch/y\n").contains(.download))
        #expect(!kinds("git status\n").contains(.download))
    }

    @Test("shell commands handed over by Python, R and Julia")
    func handedOver() {
        #expect(kinds("os.system('pip install numpy')\n", .python).contains(.packageInstall))
        #expect(kinds("subprocess.run(\"curl -O \" + url, shell=True)\n", .python).contains(.download))
        #expect(kinds("subprocess.run([\"wget\", url])\n", .python).contains(.download))
        #expect(kinds("system(\"wget https://x\")\n", .r).contains(.download))
        #expect(kinds("run(`curl -O https://x`)\n", .julia).contains(.download))
        #expect(!kinds("print('wget is not needed')\n", .python).contains(.download))
    }
}

@Suite("Path text")
struct PathTextTests {
    @Test("path pieces agree with NSString's for the paths images hold")
    func agreesWithNSString() {
        for path in ["/", "/a", "/a/b.py", "/a/b/", "a/b.tar.gz", "/etc/.bashrc", "/x/file.", "/usr/share/doc/pkg/copyright"] {
            let ns = path as NSString
            #expect(String(PathText.lastComponent(path)) == ns.lastPathComponent, "\(path)")
            #expect(PathText.parent(path) == ns.deletingLastPathComponent, "\(path)")
            #expect(String(PathText.fileExtension(path)) == ns.pathExtension, "\(path)")
        }
        // Foundation's `deletingLastPathComponent` traps on "" and on a lone relative name here; these must not.
        #expect(PathText.lastComponent("") == "" && PathText.parent("") == "" && PathText.fileExtension("") == "")
        #expect(PathText.lastComponent("a") == "a" && PathText.parent("a") == "")
    }

    @Test("byte containment finds fragments anywhere and only where they are")
    func containsBytes() {
        #expect("/usr/lib/python3/dist-packages/x.py".containsBytes("/dist-packages/"))
        #expect("abc".containsBytes("abc") && "abc".containsBytes("c") && "abc".containsBytes(""))
        #expect(!"abc".containsBytes("abcd") && !"/site-package/".containsBytes("/site-packages/"))
        #expect("/données/é.csv".containsBytes("é.csv"))
    }
}
