import CBLAS
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which of OpenBLAS's kernel sets runs the engine's matrix products. OpenBLAS picks one by
/// CPU model when it loads, and a version older than the CPU does not know it: Debian 12's
/// 0.3.21 takes a 2023 Xeon (family 6, model 207) for a Pentium 4 and runs Prescott's SSE
/// kernels, 4–5× slower than its AVX-512 ones on the same core. The CPU's own feature flags
/// say which set it can run, so a known-too-old choice is replaced, once, before the first
/// product. A user's `OPENBLAS_CORETYPE` is never overridden.
public enum OpenBLASKernel {
    /// The kernel set the engine's products run on ("Haswell", "SkylakeX", …).
    public static var current: String {
        _ = MatrixThreads.openBLASReady
        return String(cString: openblas_get_corename())
    }

    /// Kernel sets that use AVX-512, and those that use at least AVX2 and FMA.
    static let avx512Sets: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]
    static let avx2Sets: Set<String> = avx512Sets.union(["haswell", "zen"])

    /// The set to switch to from `current` on a CPU with these `/proc/cpuinfo` flags, or nil
    /// when `current` already uses what the CPU has. The choice is OpenBLAS's own for the CPUs
    /// it knows (AVX-512 with BF16: Cooperlake, as it runs Sapphire Rapids), so products round
    /// as they do on those.
    public static func better(than current: String, flags: Set<String>) -> String? {
        let name = current.lowercased()
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) {
            return avx512Sets.contains(name) ? nil : flags.contains("avx512_bf16") ? "Cooperlake" : "SkylakeX"
        }
        if ["avx2", "fma"].allSatisfy(flags.contains) {
            return avx2Sets.contains(name) ? nil : "Haswell"
        }
        return nil
    }

    /// The flags line of `/proc/cpuinfo` (the features the kernel lets programs use).
    static var cpuFlags: Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Switches OpenBLAS to the better set for this CPU, if there is one: what OpenBLAS does
    /// itself when `OPENBLAS_CORETYPE` names it at load (its dynamic-architecture entry points,
    /// looked up so an OpenBLAS built for one CPU is simply left alone). Call before any product.
    static func chooseForThisCPU() {
        let chosen = String(cString: openblas_get_corename())
        guard getenv("OPENBLAS_CORETYPE") == nil, let wanted = better(than: chosen, flags: cpuFlags),
              let quit = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_quit"),
              let initialise = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_init") else { return }
        typealias Entry = @convention(c) () -> Void
        setenv("OPENBLAS_CORETYPE", wanted, 1)
        unsafeBitCast(quit, to: Entry.self)()
        unsafeBitCast(initialise, to: Entry.self)()
        // Only for this process: a PyTorch peer a benchmark starts chooses for itself.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
