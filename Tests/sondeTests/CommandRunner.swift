#if canImport(Glibc)
import Glibc
#endif
import SondeTestSupport

/// Runs the `sonde` binary built beside the test bundle, capturing its output through files.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Sonde {
    static var binary: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var directory = String(cString: Array(buffer[0..<max(0, length)]) + [0])
        while let slash = directory.lastIndex(of: "/") {
            directory = String(directory[..<slash])
            if access(directory + "/sonde", X_OK) == 0 { return directory + "/sonde" }
        }
        return ".build/debug/sonde"
    }

    static func run(_ arguments: [String]) -> CommandResult {
        let pid = start(arguments)
        var status: Int32 = 0
        waitpid(pid.pid, &status, 0)
        return pid.finish(status: status)
    }

    struct Running {
        var pid: pid_t
        /// Where stdout and stderr go while it runs (readable before it ends).
        var outPath: String
        var errPath: String

        func finish(status: Int32) -> CommandResult {
            let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            let result = CommandResult(status: exit, stdout: readFile(outPath), stderr: readFile(errPath))
            unlink(outPath)
            unlink(errPath)
            return result
        }
    }

    /// Starts `sonde` with `arguments`, in this process's environment plus `environment`.
    static func start(_ arguments: [String], environment: [String: String] = [:]) -> Running {
        let id = UInt64.random(in: 0...UInt64.max)
        let outPath = "/tmp/sonde-cli-\(id).out"
        let errPath = "/tmp/sonde-cli-\(id).err"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([binary] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        var variables: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            if !environment.keys.contains(where: { text.hasPrefix($0 + "=") }) { variables.append(text) }
            index += 1
        }
        variables += environment.map { "\($0.key)=\($0.value)" }
        let envp = variables.map { strdup($0) } + [nil]
        defer { envp.forEach { free($0) } }
        let result = posix_spawn(&pid, binary, &actions, nil, argv, envp)
        posix_spawn_file_actions_destroy(&actions)
        precondition(result == 0, "cannot start \(binary): \(result)")
        return Running(pid: pid, outPath: outPath, errPath: errPath)
    }
}

func readFile(_ path: String) -> String {
    guard let file = fopen(path, "rb") else { return "" }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

func writeFile(_ path: String, _ text: String) {
    guard let file = fopen(path, "wb") else { return }
    _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, file) }
    fclose(file)
}


/// The real host dump excerpt the store tests use too.
let fixture: String = {
    var directory = #filePath
    while let slash = directory.lastIndex(of: "/") {
        directory = String(directory[..<slash])
        let candidate = directory + "/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz"
        if access(candidate, R_OK) == 0 { return candidate }
    }
    return "Tests/SondeStoreTests/Fixtures/hostdump-excerpt.om.gz"
}()
