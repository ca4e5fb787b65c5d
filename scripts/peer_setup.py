"""The shared start of the PyTorch peer scripts: thread settings made before torch loads
(they are read once, at import), the peer's `rd_reference.py` put on the import path, and
where the teachers' weights are (`make weights` fetches them)."""
import os
import subprocess
import sys

# The torchvision-style weight files `scripts/fetch-weights.sh` installs, by teacher.
TEACHER_WEIGHT_FILES = {"efficientnet-lite0": "efficientnet-lite0-57934424.pth", "efficientnet-lite2": "efficientnet-lite2-9656183e.pth"}


def teacher_weights(name):
    """The path of teacher `name`'s weights: in LOUPE_WEIGHTS, else (unset or empty, as Loupe
    reads it) ~/.cache/loupe/weights."""
    folder = os.environ.get("LOUPE_WEIGHTS") or os.path.expanduser("~/.cache/loupe/weights")
    return os.path.join(folder, TEACHER_WEIGHT_FILES[name])


def loupe_openblas_kernels():
    """The OpenBLAS kernel set Loupe's engine runs on this machine (`loupe-bench
    --openblas-core`), or None when loupe-bench is not built. OpenBLAS 0.3.21 falls back to
    Prescott's SSE kernels on CPUs newer than it knows; Loupe does not, and a peer should not."""
    bench = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "loupe-bench")
    try:
        return subprocess.run([bench, "--openblas-core"], capture_output=True, text=True, check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def use_loupe_openblas_kernels():
    """PyTorch's matrix products go through the same OpenBLAS: on the kernels Loupe runs, for
    this process and the peers it starts (before torch loads; a user's choice stays)."""
    if "OPENBLAS_CORETYPE" not in os.environ and (kernels := loupe_openblas_kernels()):
        os.environ["OPENBLAS_CORETYPE"] = kernels


def configure(threads):
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    use_loupe_openblas_kernels()
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "peer"))


def timing_model(threads):
    """The peer's RD with the EfficientNet-Lite0 teacher in evaluation mode, seeded, random
    weights (they change no timing), torch limited to `threads`. Call `configure` first."""
    import torch
    from rd_reference import RD

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = RD("efficientnet-lite0")
    model.ocbe.eval()
    model.student.eval()
    return model
