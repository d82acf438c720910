import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A private network namespace for one container run, in which every address is local and nothing leaves the machine.
///
/// `local 0.0.0.0/0 dev lo` makes every IPv4 (and `::/0` every IPv6) address answer on loopback, so a connect
/// is refused at once instead of hanging, and every packet it sends crosses `lo`, where a packet socket sees it.
/// A small DNS responder on port 53 answers every query with NXDOMAIN and the capture logs the names asked.
final class NetworkObserver: @unchecked Sendable {
    /// The nameserver written into the container's `/etc/resolv.conf`: TEST-NET-1 (RFC 5737), routed nowhere, and local in the namespace.
    static let nameserver = "192.0.2.53"

    let namespaceName: String
    var namespacePath: String { "/run/netns/" + namespaceName }

    private let lock = NSLock()
    private var attempts: [NetworkAttempt] = []
    private var stopRequested = false
    private let stopped = DispatchSemaphore(value: 0)
    private var started = false

    init(namespaceName: String) {
        self.namespaceName = namespaceName
    }

    /// Creates the namespace (loopback plus the catch-all local routes) and starts listening in it.
    func start(cleanup: CleanupStack) throws {
        try HostTools.require("ip", ["netns", "add", namespaceName], timeout: 30)
        cleanup.push { [namespaceName] in _ = try? HostTools.run("ip", ["netns", "delete", namespaceName], timeout: 30, interruptible: false) }
        try HostTools.require("ip", ["-n", namespaceName, "link", "set", "lo", "up"], timeout: 30)
        try HostTools.require("ip", ["-n", namespaceName, "route", "add", "local", "0.0.0.0/0", "dev", "lo"], timeout: 30)
        // IPv6 may be disabled on the host; then there is nothing to observe there either.
        _ = try? HostTools.run("ip", ["-n", namespaceName, "-6", "route", "add", "local", "::/0", "dev", "lo"], timeout: 30)

        let namespaceFD = open(namespacePath, O_RDONLY | O_CLOEXEC)
        guard namespaceFD >= 0 else { throw SandboxError.engineFailed("cannot open \(namespacePath): \(errnoText())") }
        let ready = DispatchSemaphore(value: 0)
        let failure = FailureBox()
        Thread.detachNewThread { [self] in
            defer { stopped.signal() }
            let sockets: (packet: Int32, dns: Int32)
            do {
                sockets = try Self.openSockets(in: namespaceFD)
            } catch {
                failure.error = error
                ready.signal()
                return
            }
            ready.signal()
            captureLoop(packetFD: sockets.packet, dnsFD: sockets.dns)
            close(sockets.packet)
            close(sockets.dns)
        }
        ready.wait()
        close(namespaceFD)
        if let error = failure.error { throw error }
        started = true
    }

    /// Stops listening and returns what was seen, in order, without repeats.
    func stop() -> [NetworkAttempt] {
        lock.lock(); stopRequested = true; lock.unlock()
        if started { stopped.wait(); started = false }
        lock.lock(); defer { lock.unlock() }
        return attempts
    }

    private final class FailureBox: @unchecked Sendable { var error: (any Error)? }

    // Sockets belong to the namespace they were created in, so this thread enters the container's namespace just
    // long enough to create them and then returns to the host's.
    private static func openSockets(in namespaceFD: Int32) throws -> (packet: Int32, dns: Int32) {
        let ownFD = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard ownFD >= 0 else { throw SandboxError.engineFailed("cannot open this thread's network namespace: \(errnoText())") }
        defer { close(ownFD) }
        guard setns(namespaceFD, cloneNewNet) == 0 else {
            throw SandboxError.engineFailed("cannot enter the sandbox network namespace: \(errnoText())")
        }
        defer { _ = setns(ownFD, cloneNewNet) }

        let packetFD = socket(afPacket, Int32(SOCK_RAW.rawValue), Int32(ethPAll.bigEndian))
        guard packetFD >= 0 else { throw SandboxError.engineFailed("cannot open a packet socket: \(errnoText())") }
        var address = [UInt8](repeating: 0, count: 20)
        address[0] = UInt8(afPacket & 0xFF); address[1] = UInt8(afPacket >> 8)
        address[2] = UInt8(ethPAll >> 8); address[3] = UInt8(ethPAll & 0xFF)
        let loopback = Int32(if_nametoindex("lo"))
        withUnsafeBytes(of: loopback.littleEndian) { for i in 0..<4 { address[4 + i] = $0[i] } }
        let bound = address.withUnsafeBytes {
            bind(packetFD, $0.baseAddress?.assumingMemoryBound(to: sockaddr.self), socklen_t(20))
        }
        guard bound == 0 else { close(packetFD); throw SandboxError.engineFailed("cannot bind the packet socket: \(errnoText())") }

        let dnsFD = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var dnsAddress = sockaddr_in()
        dnsAddress.sin_family = sa_family_t(AF_INET)
        dnsAddress.sin_port = UInt16(53).bigEndian
        dnsAddress.sin_addr = in_addr(s_addr: 0)
        let dnsBound = withUnsafePointer(to: &dnsAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(dnsFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard dnsFD >= 0, dnsBound == 0 else {
            close(packetFD); close(dnsFD)
            throw SandboxError.engineFailed("cannot start the sandbox DNS responder: \(errnoText())")
        }
        return (packetFD, dnsFD)
    }

    private func captureLoop(packetFD: Int32, dnsFD: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var fds = [pollfd(fd: packetFD, events: Int16(POLLIN), revents: 0), pollfd(fd: dnsFD, events: Int16(POLLIN), revents: 0)]
        var draining = false
        while true {
            let ready = poll(&fds, nfds_t(fds.count), draining ? 0 : 100)
            if ready <= 0 {
                if draining { return }
                lock.lock(); let stop = stopRequested; lock.unlock()
                // One last non-blocking pass collects packets that arrived just before the stop.
                if stop { draining = true }
                continue
            }
            if fds[0].revents & Int16(POLLIN) != 0 { readPacket(packetFD, &buffer) }
            if fds[1].revents & Int16(POLLIN) != 0 { answerQuery(dnsFD, &buffer) }
        }
    }

    private func readPacket(_ fd: Int32, _ buffer: inout [UInt8]) {
        var from = [UInt8](repeating: 0, count: 32)
        var fromLength = socklen_t(from.count)
        let count = buffer.withUnsafeMutableBytes { bytes in
            from.withUnsafeMutableBytes { fromBytes in
                recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT),
                         fromBytes.baseAddress?.assumingMemoryBound(to: sockaddr.self), &fromLength)
            }
        }
        // Loopback shows each packet twice; the outgoing copy is enough.
        guard count > 0, from[10] == packetOutgoing else { return }
        if let attempt = PacketParser.attempt(in: Array(buffer[0..<count])) { record(attempt) }
    }

    private func answerQuery(_ fd: Int32, _ buffer: inout [UInt8]) {
        var peer = sockaddr_storage()
        var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, &peerLength)
                }
            }
        }
        guard count > 0, let reply = PacketParser.nxdomainReply(to: Array(buffer[0..<count])) else { return }
        _ = reply.withUnsafeBytes { bytes in
            withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT), $0, peerLength)
                }
            }
        }
    }

    private func record(_ attempt: NetworkAttempt) {
        lock.lock(); defer { lock.unlock() }
        if !attempts.contains(attempt) { attempts.append(attempt) }
    }
}

private let afPacket: Int32 = 17
private let ethPAll: UInt16 = 0x0003
private let packetOutgoing: UInt8 = 4
private let cloneNewNet: Int32 = 0x4000_0000

// Glibc declares setns(2) only under _GNU_SOURCE, which the Swift overlay does not import.
private typealias SetNamespace = @convention(c) (Int32, Int32) -> Int32
private let setnsFunction: SetNamespace? = {
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "setns") else { return nil }
    return unsafeBitCast(symbol, to: SetNamespace.self)
}()

private func setns(_ fd: Int32, _ type: Int32) -> Int32 {
    guard let setnsFunction else { errno = ENOSYS; return -1 }
    return setnsFunction(fd, type)
}

func errnoText() -> String { String(cString: strerror(errno)) }

/// Reads the few header fields the observer needs out of raw loopback frames, and writes DNS refusals.
enum PacketParser {
    /// The connection attempt a frame starts, or nil for replies, loopback-to-loopback traffic and the like.
    static func attempt(in frame: [UInt8]) -> NetworkAttempt? {
        guard frame.count > 14 else { return nil }
        let etherType = Int(frame[12]) << 8 | Int(frame[13])
        let ip = 14
        var proto: UInt8
        var transport: Int
        var source: [UInt8], destination: [UInt8]
        switch etherType {
        case 0x0800:
            guard frame.count >= ip + 20 else { return nil }
            transport = ip + Int(frame[ip] & 0x0F) * 4
            proto = frame[ip + 9]
            source = Array(frame[(ip + 12)..<(ip + 16)])
            destination = Array(frame[(ip + 16)..<(ip + 20)])
            if destination[0] == 127 || source == destination && source[0] == 127 { return nil }
        case 0x86DD:
            guard frame.count >= ip + 40 else { return nil }
            transport = ip + 40
            proto = frame[ip + 6]
            source = Array(frame[(ip + 8)..<(ip + 24)])
            destination = Array(frame[(ip + 24)..<(ip + 40)])
            if destination == [UInt8](repeating: 0, count: 15) + [1] { return nil }
            if destination[0..<12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF][...] && destination[12] == 127 { return nil }
        default:
            return nil
        }
        _ = source
        guard frame.count >= transport + 8 else { return nil }
        let sourcePort = Int(frame[transport]) << 8 | Int(frame[transport + 1])
        let destinationPort = Int(frame[transport + 2]) << 8 | Int(frame[transport + 3])
        let address = format(destination)
        switch proto {
        case 6:
            guard frame.count >= transport + 14 else { return nil }
            let flags = frame[transport + 13]
            guard flags & 0x02 != 0, flags & 0x10 == 0 else { return nil }
            return NetworkAttempt(kind: "tcp", address: address, port: destinationPort)
        case 17:
            // The responder's own answers come from port 53.
            if sourcePort == 53 { return nil }
            if destinationPort == 53, let name = queryName(Array(frame[(transport + 8)...])) {
                return NetworkAttempt(kind: "dns", name: name, address: address, port: 53)
            }
            return NetworkAttempt(kind: "udp", address: address, port: destinationPort)
        default:
            return nil
        }
    }

    /// The first question's name of a DNS message, or nil when it is not one.
    static func queryName(_ message: [UInt8]) -> String? {
        guard message.count > 12, message[4] == 0, message[5] >= 1 else { return nil }
        var labels: [String] = []
        var index = 12
        while index < message.count {
            let length = Int(message[index])
            if length == 0 { return labels.isEmpty ? "." : labels.joined(separator: ".") }
            guard length < 64, index + 1 + length <= message.count, labels.count < 128 else { return nil }
            labels.append(String(decoding: message[(index + 1)...(index + length)], as: UTF8.self))
            index += 1 + length
        }
        return nil
    }

    /// An NXDOMAIN answer to a query, echoing its question, so resolvers fail at once instead of retrying.
    static func nxdomainReply(to query: [UInt8]) -> [UInt8]? {
        guard query.count > 12, query[2] & 0x80 == 0 else { return nil }
        var end = 12
        while end < query.count, query[end] != 0 {
            end += Int(query[end]) + 1
        }
        end += 5
        guard end <= query.count else { return nil }
        var reply = Array(query[0..<end])
        reply[2] = 0x80 | (query[2] & 0x01)
        reply[3] = 0x80 | 0x03
        reply[4] = 0; reply[5] = 1
        for i in 6..<12 { reply[i] = 0 }
        return reply
    }

    static func format(_ address: [UInt8]) -> String {
        if address.count == 4 { return address.map(String.init).joined(separator: ".") }
        var groups: [String] = []
        for i in stride(from: 0, to: address.count, by: 2) {
            groups.append(String(Int(address[i]) << 8 | Int(address[i + 1]), radix: 16))
        }
        return groups.joined(separator: ":")
    }
}
