#!/usr/bin/env python3
"""Soaks (issue 25, `make soak`): Loupe killed and starved at random moments loses nothing.

  training  `loupe train` killed with SIGKILL at KILLS moments (while loading and caching
            teacher features, mid-epoch, during a checkpoint write) and resumed each time;
            the final weights, optimiser state and loss log equal an uninterrupted run's
            bit for bit, and no temporary file is left behind.
  console   the console in tmux, marking images, killed with SIGKILL CONSOLE_KILLS times:
            every mark the screen acknowledged is in review.jsonl, no line is torn but
            possibly the last; then two consoles marking the same run at once.
  disk      a full disk and read-only folders (tmpfs mounts, so root): a checkpoint write
            that fails exits 1 naming the file and leaves the previous checkpoint intact (and
            resuming on a larger disk ends as an uninterrupted run); eval and infer outputs
            are all or nothing; the console says a mark was NOT saved and claims nothing.

Needs the release build (`make build`) and tmux. Prints a summary table at the end; exits 1
on any failure.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOUPE = os.environ.get("LOUPE", os.path.join(ROOT, ".build/release/loupe"))
SAMPLES = os.path.join(ROOT, "samples/texture")
FAILURES = []
SUMMARY = []


def fail(message):
    FAILURES.append(message)
    print("  FAIL: " + message, flush=True)


def check(condition, message):
    if not condition:
        fail(message)
    return condition


def safetensors(path):
    """{name: raw bytes} and the metadata of a safetensors file (raises if torn)."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        if end > len(body):
            raise ValueError(f"{path}: tensor {name} ends past the file")
        tensors[name] = body[begin:end]
    return tensors, metadata


def checkpoint_epoch(path):
    _, metadata = safetensors(path)
    return json.loads(metadata["loupe"])["epoch"]


def losses(run):
    """epoch, step and loss of every row of train-log.csv."""
    with open(os.path.join(run, "train-log.csv")) as f:
        return [",".join(line.split(",")[:3]) for line in f.read().splitlines()]


def leftovers(run):
    return [name for name in os.listdir(run) if name.startswith(".dat.nosync")] if os.path.isdir(run) else []


# MARK: training

def train_command(run, cache, epochs, method, resume):
    return [LOUPE, "train", "--data", SAMPLES, "--run", run, "--epochs", str(epochs), "--size", "96", "--seed", "7",
            "--method", method, "--feature-cache", cache, "--json"] + (["--resume"] if resume else [])


def soak_training(work, kills, epochs, method, rng):
    print(f"== training ({method}, {epochs} epochs at 96², samples/texture): {kills} SIGKILLs, resumed each time", flush=True)
    reference, cache = os.path.join(work, "reference"), os.path.join(work, "cache-reference")
    started = time.time()
    process = subprocess.Popen(train_command(reference, cache, epochs, method, False), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    configured = None
    while process.poll() is None:
        if configured is None and os.path.exists(os.path.join(reference, "config.toml")):
            configured = time.time() - started
        time.sleep(0.005)
    total = time.time() - started
    if not check(process.returncode == 0, f"reference training failed: {process.stderr.read().decode()}"):
        return
    setup = configured or total / 4
    epoch_seconds = (total - setup) / epochs
    print(f"  reference: {total:.1f} s ({setup:.1f} s to the first epoch, {epoch_seconds:.2f} s an epoch)", flush=True)
    expected, _ = safetensors(os.path.join(reference, "model.safetensors"))
    expected_losses = losses(reference)

    kinds = ["caching"] * (kills // 4) + ["checkpoint"] * (kills // 4)
    kinds += ["epoch"] * (kills - len(kinds))
    rng.shuffle(kinds)
    landed = {"while caching teacher features": 0, "mid-epoch": 0, "during a checkpoint write": 0}
    attempt, completed, interrupted = 0, 0, None
    cache = os.path.join(work, "cache-soak")

    def fresh_run():
        nonlocal interrupted
        interrupted = os.path.join(work, f"interrupted-{attempt}")
        shutil.rmtree(cache, ignore_errors=True)

    def compare(run):
        nonlocal completed
        completed += 1
        got, _ = safetensors(os.path.join(run, "model.safetensors"))
        check(set(got) == set(expected), f"{run}: tensors differ in names")
        differing = [name for name in expected if got.get(name) != expected[name]]
        check(not differing, f"{run}: {len(differing)} tensors differ from the uninterrupted run, first {differing[:3]}")
        check(losses(run) == expected_losses, f"{run}: train-log.csv differs from the uninterrupted run's")
        check(not leftovers(run), f"{run}: temporary files left: {leftovers(run)}")

    fresh_run()
    for index, kind in enumerate(kinds):
        attempt += 1
        if kind == "caching":
            shutil.rmtree(cache, ignore_errors=True)  # features computed again: the caching takes its full time
        config = os.path.join(interrupted, "config.toml")
        config_before = os.path.getmtime(config) if os.path.exists(config) else 0
        process = subprocess.Popen(train_command(interrupted, cache, epochs, method, True),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        begun = time.time()
        big_writes, target = 0, rng.randint(1, 3)
        delay = {"caching": rng.uniform(0.05, 0.95) * setup, "epoch": rng.uniform(0.0, 1.5) * epoch_seconds}.get(kind)
        moment = None
        while process.poll() is None:
            configured = os.path.exists(config) and os.path.getmtime(config) > config_before
            temporary = [n for n in leftovers(interrupted) if os.path.exists(os.path.join(interrupted, n))]
            if kind == "caching" and time.time() - begun >= delay:
                moment = "during a checkpoint write" if temporary and configured else "mid-epoch" if configured else "while caching teacher features"
            elif kind == "epoch" and configured and time.time() - configured_at(config) >= delay:
                moment = "during a checkpoint write" if temporary else "mid-epoch"
            elif kind == "checkpoint" and configured and temporary:
                sizes = [os.path.getsize(os.path.join(interrupted, n)) for n in temporary if os.path.exists(os.path.join(interrupted, n))]
                if any(size > 20_000 for size in sizes):
                    big_writes += 1
                    if big_writes >= target:
                        moment = "during a checkpoint write"
            if moment:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001 if kind == "checkpoint" else 0.005)
        process.wait()
        if moment is None:
            # Finished before the kill came: compare, and start a new interrupted run.
            check(process.returncode == 0, f"attempt {attempt}: exit {process.returncode}: {process.stderr.read().decode()[-300:]}")
            compare(interrupted)
            fresh_run()
            continue
        landed[moment] += 1
        checkpoint = os.path.join(interrupted, "model.safetensors")
        if os.path.exists(checkpoint):
            try:
                checkpoint_epoch(checkpoint)
            except Exception as error:  # noqa: BLE001 - any parse failure is a torn checkpoint
                fail(f"kill {index + 1} ({moment}): checkpoint unreadable after the kill: {error}")
        print(f"  kill {index + 1:2}/{kills}: {moment}" + (f" (after epoch {checkpoint_epoch(checkpoint)})" if os.path.exists(checkpoint) else ""), flush=True)
    # The last resume runs to the end.
    process = subprocess.run(train_command(interrupted, cache, epochs, method, True), capture_output=True)
    check(process.returncode == 0, f"final resume failed: {process.stderr.decode()[-300:]}")
    if process.returncode == 0:
        compare(interrupted)
    print(f"  kills: {landed}; completed interrupted runs compared: {completed}", flush=True)
    SUMMARY.append(("training: SIGKILL and resume", f"{kills} kills ({', '.join(f'{v} {k}' for k, v in landed.items())}); "
                    f"{completed} interrupted runs equal the uninterrupted one bit for bit"))


def configured_at(config):
    return os.path.getmtime(config)


# MARK: console

class Tmux:
    def __init__(self, name, command, width=120, height=36):
        self.name = name
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", str(width), "-y", str(height),
                        f"TERM=xterm-256color exec {command}"], check=True)

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name] + list(keys), capture_output=True)

    def text(self):
        result = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True)
        return result.stdout

    def pid(self):
        result = subprocess.run(["tmux", "display-message", "-p", "-t", self.name, "#{pane_pid}"], capture_output=True, text=True)
        return int(result.stdout.strip() or 0)

    def wait_for(self, pattern, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if re.search(pattern, self.text()):
                return True
            time.sleep(0.05)
        return False

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


MARK_KEYS = [("f", "false-positive"), ("n", "false-negative"), ("d", "confirmed-defect"), ("c", "clear")]
ACKNOWLEDGED = re.compile(r"(\S+\.png): (false-positive|false-negative|confirmed-defect|clear)(?! NOT)")


def journal_lines(path):
    """(complete marks as (basename, verdict), torn lines before the last, whether the last is torn)."""
    if not os.path.exists(path):
        return [], 0, False
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    marks, torn_inside, last_torn = [], 0, False
    for index, line in enumerate(lines):
        if not line:
            continue
        try:
            mark = json.loads(line)
            marks.append((os.path.basename(mark["image"]), mark["verdict"]))
        except ValueError:
            if index == len(lines) - 1:
                last_torn = True
            else:
                torn_inside += 1
    return marks, torn_inside, last_torn


def mark_until_killed(session, rng, seconds, acknowledged, offset):
    """Moves and marks for `seconds`, reading the screen after each key: a mark is
    acknowledged when its message appears (the console draws only after the journal's fsync)."""
    deadline = time.time() + seconds
    step = offset
    last = acknowledged[-1] if acknowledged else None
    while time.time() < deadline:
        key, verdict = MARK_KEYS[step % len(MARK_KEYS)]
        step += 1
        session.keys("j" if step % 3 else "k", key)
        time.sleep(rng.uniform(0.0, 0.03))
        match = None
        for line in session.text().splitlines()[::-1]:
            match = ACKNOWLEDGED.search(line)
            if match:
                break
        if match and (match.group(1), match.group(2)) != last:
            last = (match.group(1), match.group(2))
            acknowledged.append(last)


def console_run(work):
    run = os.path.join(work, "console-run")
    if not os.path.exists(os.path.join(run, "scores.csv")):
        subprocess.run([LOUPE, "train", "--data", SAMPLES, "--run", run, "--epochs", "1", "--size", "64"], check=True, capture_output=True)
        subprocess.run([LOUPE, "eval", "--run", run], check=True, capture_output=True)
    return run


def soak_console(work, kills, rng):
    print(f"== console: {kills} SIGKILLs while marking, then two consoles at once", flush=True)
    run = console_run(work)
    journal = os.path.join(run, "review.jsonl")
    total_acknowledged, lost_total, torn_total = 0, 0, 0
    for index in range(kills):
        before, _, _ = journal_lines(journal)
        session = Tmux(f"loupe-soak-{os.getpid()}", f"{LOUPE} console --run {run}")
        if not check(session.wait_for(r"\d{3}\.png"), f"kill {index + 1}: the console did not show the images: {session.text()[:300]}"):
            session.close()
            continue
        pid = session.pid()
        acknowledged = []
        lifetime = rng.uniform(0.2, 2.5)
        killer_at = time.time() + lifetime
        # Mark until the moment, then SIGKILL (the marking loop reads the screen between keys).
        mark_until_killed(session, rng, lifetime, acknowledged, index)
        while time.time() < killer_at:
            time.sleep(0.005)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        session.close()
        after, torn_inside, _ = journal_lines(journal)
        new = after[len(before):]
        # Every acknowledged mark is among the new lines, in order.
        position, lost = 0, 0
        for mark in acknowledged:
            try:
                position = new.index(mark, position) + 1
            except ValueError:
                lost += 1
        total_acknowledged += len(acknowledged)
        lost_total += lost
        torn_total += torn_inside
        check(lost == 0, f"kill {index + 1}: {lost} acknowledged marks missing from review.jsonl")
        check(torn_inside == 0, f"kill {index + 1}: {torn_inside} torn lines before the last")
        if (index + 1) % 10 == 0:
            print(f"  {index + 1}/{kills} kills: {total_acknowledged} acknowledged marks, {lost_total} lost, {torn_total} torn", flush=True)
    SUMMARY.append(("console: SIGKILL while marking", f"{kills} kills; {total_acknowledged} acknowledged marks, {lost_total} lost, {torn_total} torn lines"))

    # Two consoles on one run, marking at once, killed together.
    rounds, both_acknowledged, both_lost, both_torn = 5, 0, 0, 0
    for index in range(rounds):
        before, _, _ = journal_lines(journal)
        sessions = [Tmux(f"loupe-soak-{os.getpid()}-{side}", f"{LOUPE} console --run {run}") for side in "ab"]
        if not all(s.wait_for(r"\d{3}\.png") for s in sessions):
            fail("two consoles: one did not start")
            for s in sessions:
                s.close()
            continue
        pids = [s.pid() for s in sessions]
        acknowledged = [[], []]
        # Alternate between the two sessions' keys, each marking its own way.
        deadline = time.time() + rng.uniform(1.5, 3.0)
        step = 0
        while time.time() < deadline:
            side = step % 2
            mark_until_killed(sessions[side], rng, 0.05, acknowledged[side], step + side)
            step += 1
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
        for s in sessions:
            s.close()
        after, torn_inside, _ = journal_lines(journal)
        new = after[len(before):]
        for side in range(2):
            # Each console's acknowledged marks appear in its order among the interleaved lines.
            position = 0
            for mark in acknowledged[side]:
                try:
                    position = new.index(mark, position) + 1
                except ValueError:
                    both_lost += 1
            both_acknowledged += len(acknowledged[side])
        both_torn += torn_inside
    check(both_lost == 0 and both_torn == 0, f"two consoles: {both_lost} marks lost, {both_torn} torn lines")
    SUMMARY.append(("console: two at once", f"{rounds} rounds; {both_acknowledged} acknowledged marks, {both_lost} lost, {both_torn} torn lines"))
    print(f"  two consoles: {rounds} rounds, {both_acknowledged} acknowledged, {both_lost} lost, {both_torn} torn", flush=True)


# MARK: disk

class Mount:
    """A tmpfs of `size` bytes at `path` (root only)."""

    def __init__(self, path, size):
        self.path = path
        os.makedirs(path, exist_ok=True)
        self.ok = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True).returncode == 0

    def remount(self, options):
        return subprocess.run(["mount", "-o", f"remount,{options}", self.path], capture_output=True).returncode == 0

    def fill(self):
        """Fills the file system to the last block."""
        with open(os.path.join(self.path, "filler"), "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"\0" * 4096)
            except OSError:
                pass

    def unfill(self):
        os.remove(os.path.join(self.path, "filler"))

    def close(self):
        subprocess.run(["umount", "-l", self.path], capture_output=True)


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def one_line_status_one(result, names, what):
    error = result.stderr.decode() if isinstance(result.stderr, bytes) else result.stderr
    lines = [line for line in error.splitlines() if line.strip()]
    ok = result.returncode == 1 and len(lines) >= 1 and names in lines[-1] and "internal error" not in error
    check(ok, f"{what}: expected status 1 and one line naming {names}; got {result.returncode}: {error.strip()[-400:]}")
    return lines[-1] if lines else ""


def soak_disk(work, epochs, method):
    print("== disk full and read-only folders (tmpfs)", flush=True)
    reference = os.path.join(work, "reference")
    if not os.path.exists(os.path.join(reference, "model.safetensors")):
        subprocess.run(train_command(reference, os.path.join(work, "cache-reference"), epochs, method, False), check=True, capture_output=True)
    checkpoint_size = os.path.getsize(os.path.join(reference, "model.safetensors"))
    # best-epoch.safetensors (weights without Adam's two moments) is about a third of it.
    best_size = checkpoint_size // 3
    cases = 0

    # 1. Training onto a disk that fills up after the first epoch.
    mount = Mount(os.path.join(work, "full"), checkpoint_size + best_size + min(checkpoint_size, best_size) // 2 + 256 * 1024)
    if not mount.ok:
        SUMMARY.append(("disk", "skipped: mounting a tmpfs needs root"))
        print("  skipped: cannot mount a tmpfs (needs root)")
        return
    try:
        run = os.path.join(mount.path, "run")
        result = subprocess.run(train_command(run, os.path.join(work, "cache-disk"), epochs, method, False), capture_output=True, text=True)
        line = one_line_status_one(result, mount.path, "training on a full disk")
        check("No space left on device" in line, f"training on a full disk: the reason is not said: {line}")
        epoch = checkpoint_epoch(os.path.join(run, "model.safetensors"))
        check(1 <= epoch < epochs, f"training on a full disk: the checkpoint left is of epoch {epoch}")
        check(not leftovers(run), f"training on a full disk: temporary files left: {leftovers(run)}")
        print(f"  train on a full disk: exit {result.returncode}, '{line}'; checkpoint of epoch {epoch} intact", flush=True)
        # Room again: resuming ends exactly as the uninterrupted run.
        check(mount.remount(f"size={8 * checkpoint_size + 64 * 1024 * 1024}"), "cannot grow the tmpfs")
        result = subprocess.run(train_command(run, os.path.join(work, "cache-disk"), epochs, method, True), capture_output=True, text=True)
        check(result.returncode == 0, f"resume after the disk was freed: {result.stderr[-300:]}")
        expected, _ = safetensors(os.path.join(reference, "model.safetensors"))
        got, _ = safetensors(os.path.join(run, "model.safetensors"))
        check(got == expected and losses(run) == losses(reference), "resumed after a full disk: differs from the uninterrupted run")
        cases += 2

        # 2. eval and infer outputs on a full disk: the files before are unchanged.
        finished = os.path.join(mount.path, "finished")
        shutil.copytree(reference, finished)
        subprocess.run([LOUPE, "eval", "--run", finished], check=True, capture_output=True)
        scores_before, metrics_before = digest(os.path.join(finished, "scores.csv")), digest(os.path.join(finished, "metrics.json"))
        part = os.path.join(mount.path, "part.csv")
        with open(part, "w") as f:
            f.write("earlier part\n")
        mount.fill()
        result = subprocess.run([LOUPE, "eval", "--run", finished], capture_output=True, text=True)
        one_line_status_one(result, finished, "eval on a full disk")
        check(digest(os.path.join(finished, "scores.csv")) == scores_before and digest(os.path.join(finished, "metrics.json")) == metrics_before,
              "eval on a full disk changed scores.csv or metrics.json")
        result = subprocess.run([LOUPE, "infer", "--run", finished, "--output", part, SAMPLES + "/test"], capture_output=True, text=True)
        one_line_status_one(result, part, "infer --output on a full disk")
        check(open(part).read() == "earlier part\n", "infer on a full disk changed its output file")
        check(not leftovers(finished) and not leftovers(mount.path), "temporary files left after a full disk")
        cases += 2

        # 3. The console on a full disk: the mark is NOT saved, and said so.
        journal = os.path.join(finished, "review.jsonl")
        session = Tmux(f"loupe-soak-disk-{os.getpid()}", f"{LOUPE} console --run {finished}")
        if check(session.wait_for(r"\d{3}\.png"), "console on a full disk did not start"):
            session.keys("f")
            check(session.wait_for(r"false-positive NOT saved: .*No space left on device"), f"console on a full disk: no NOT saved message: {session.text()[-500:]}")
            check(not journal_lines(journal)[0], "console on a full disk: a mark reached the journal")
            mount.unfill()
            session.keys("f")
            check(session.wait_for(r"\.png: false-positive\s"), "console: the mark after freeing the disk was not acknowledged")
            time.sleep(0.2)
            check(len(journal_lines(journal)[0]) == 1, "console: the mark after freeing the disk is not in the journal")
            session.keys("q")
        session.close()
        cases += 1

        # 4. Read-only: train, eval, infer and the console refuse by name and change nothing.
        mount.remount("ro")
        result = subprocess.run(train_command(os.path.join(mount.path, "new"), os.path.join(work, "cache-disk"), epochs, method, False),
                                capture_output=True, text=True)
        line = one_line_status_one(result, os.path.join(mount.path, "new"), "train into a read-only folder")
        check("Read-only file system" in line, f"train into a read-only folder: reason not said: {line}")
        result = subprocess.run([LOUPE, "eval", "--run", finished], capture_output=True, text=True)
        one_line_status_one(result, finished, "eval of a run in a read-only folder")
        result = subprocess.run([LOUPE, "infer", "--run", finished, "--output", os.path.join(mount.path, "p.csv"), SAMPLES + "/test/good"],
                                capture_output=True, text=True)
        one_line_status_one(result, os.path.join(mount.path, "p.csv"), "infer --output into a read-only folder")
        session = Tmux(f"loupe-soak-ro-{os.getpid()}", f"{LOUPE} console --run {finished}")
        if check(session.wait_for(r"\d{3}\.png"), "console on a read-only folder did not start"):
            session.keys("j", "d")
            check(session.wait_for(r"confirmed-defect NOT saved: .*Read-only file system"), f"console read-only: no NOT saved message: {session.text()[-500:]}")
            session.keys("q")
        session.close()
        check(len(journal_lines(journal)[0]) == 1, "read-only: the journal changed")
        cases += 4
    finally:
        mount.close()
    SUMMARY.append(("disk full, read-only", f"{cases} cases: each refused in one line naming the file, nothing earlier changed"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="training,console,disk", help="comma-separated: training, console, disk")
    parser.add_argument("--kills", type=int, default=20, help="SIGKILLs of training")
    parser.add_argument("--console-kills", type=int, default=50, help="SIGKILLs of the console")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--method", default="rd")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.path.exists(LOUPE):
        sys.exit(f"{LOUPE}: not built; run `make build`")
    rng = random.Random(args.seed)
    work = tempfile.mkdtemp(prefix="loupe-soak-")
    parts = args.only.split(",")
    started = time.time()
    try:
        if "training" in parts:
            soak_training(work, args.kills, args.epochs, args.method, rng)
        if "console" in parts:
            soak_console(work, args.console_kills, rng)
        if "disk" in parts:
            soak_disk(work, args.epochs, args.method)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\n| soak | result |\n|---|---|")
    for name, result in SUMMARY:
        print(f"| {name} | {result} |")
    print(f"\n{len(FAILURES)} failures in {time.time() - started:.0f} s")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
