#if canImport(Glibc)
import Glibc
#endif

/// Floats below 2⁻¹²⁶ (denormals) read and written as zero on the threads that run the
/// engine's loops.
///
/// x86 cores handle denormals in microcode, many times slower per instruction. A pfadseg
/// student's training steps on DeepPCB slowed from 1.0 to 1.5 s once values in its
/// backward had drifted that small (steps 15–40 of its first epoch, and every step after);
/// `loupe-bench`'s few repeats on fresh weights never got there. No trained value depends
/// on numbers below 10⁻³⁸. PyTorch's `torch.set_flush_denormal(True)` is the same switch.
enum DenormalFlushing {
    /// Sets flush-to-zero and denormals-are-zero for the calling thread (x86's MXCSR FTZ and
    /// DAZ bits, Arm's FPCR.FZ); does nothing when they are set already. A thread keeps the
    /// mode for its life, and threads it starts inherit it.
    static func enableOnCurrentThread() {
        #if canImport(Glibc) && (arch(x86_64) || arch(arm64))
        var environment = fenv_t()
        guard fegetenv(&environment) == 0 else { return }
        #if arch(x86_64)
        let bits: UInt32 = 1 << 15 | 1 << 6
        guard environment.__mxcsr & bits != bits else { return }
        environment.__mxcsr |= bits
        #else
        let bits: UInt32 = 1 << 24
        guard environment.__fpcr & bits != bits else { return }
        environment.__fpcr |= bits
        #endif
        fesetenv(&environment)
        #endif
    }
}
