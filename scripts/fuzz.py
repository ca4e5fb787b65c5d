#!/usr/bin/python3
"""`make fuzz`: libFuzzer on every reader of untrusted bytes (`LoupeFuzzTargets`, one
binary built from Fuzz/ with AddressSanitizer), FUZZ_SECONDS per target, LANES at a time,
each from its committed corpus (Fuzz/Corpus/NAME) and regression inputs
(Fuzz/Regressions/NAME) with the dictionary of its format (Fuzz/Dictionaries).

A crash, a hang (> 1 s on one input), an allocation above 2 GB, a leak or a sanitizer report
fails the run; the input is kept in Fuzz/Crashes/NAME/ to commit as a regression case. With
--merge the new inputs that add coverage are merged (`-merge=1`) into Fuzz/Corpus/NAME,
which `make test` replays. The table gives executions, their rate and coverage per target.

    /usr/bin/python3 scripts/fuzz.py [--seconds 120] [--targets images,pickles] [--lanes 2] [--merge]
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "Fuzz")
BUILD = os.path.join(ROOT, ".build-fuzz")
BINARY = os.path.join(BUILD, "debug", "loupe-fuzz")
# LOUPE_FUZZING relaxes libpng's CRC check (png_shim.c), so mutated PNGs reach the decoder.
FLAGS = ["-Xswiftc", "-sanitize=fuzzer,address", "-Xswiftc", "-parse-as-library", "-Xcc", "-fsanitize=fuzzer-no-link,address",
         "-Xcc", "-DLOUPE_FUZZING", "-Xswiftc", "-use-ld=lld"]
# The format each target reads, for its dictionary.
DICTIONARIES = {
    "torch-weights": "pickle", "pickles": "pickle", "configuration": "toml",
    "checkpoint-metadata": "json", "region-record": "json", "run-record": "json", "review-journal": "json", "safetensors": "json",
    "score-parts": "csv", "scores": "csv", "split-table": "csv", "train-log": "csv",
}


def targets():
    """The target names, from the source (one `FuzzTarget(name: "…"` each)."""
    names = []
    folder = os.path.join(ROOT, "Sources", "LoupeFuzzTargets")
    for file in sorted(os.listdir(folder)):
        with open(os.path.join(folder, file)) as source:
            names += re.findall(r'FuzzTarget\(name: "([^"]+)"', source.read())
    return names


def fuzz(target, seconds, merge):
    corpus = os.path.join(BUILD, "corpus", target)
    os.makedirs(corpus, exist_ok=True)
    crashes = os.path.join(FUZZ, "Crashes", target)
    os.makedirs(crashes, exist_ok=True)
    seeds = [folder for folder in (os.path.join(FUZZ, "Corpus", target), os.path.join(FUZZ, "Regressions", target)) if os.path.isdir(folder)]
    command = [BINARY, corpus, *seeds, f"-max_total_time={seconds}", "-timeout=1", "-rss_limit_mb=2048", "-malloc_limit_mb=2048",
               f"-artifact_prefix={crashes}/", "-print_final_stats=1"]
    if target in DICTIONARIES:
        command.append("-dict=" + os.path.join(FUZZ, "Dictionaries", DICTIONARIES[target] + ".dict"))
    environment = dict(os.environ, LOUPE_FUZZ_TARGET=target, ASAN_OPTIONS="detect_leaks=1",
                       LSAN_OPTIONS="suppressions=" + os.path.join(FUZZ, "lsan.supp"))
    result = subprocess.run(command, capture_output=True, text=True, env=environment)
    log = result.stderr
    done = re.findall(r"DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+ .*?exec/s: (\d+)", log)
    runs = re.findall(r"stat::number_of_executed_units: (\d+)", log)
    failed = result.returncode != 0 or not done
    if failed:
        summary = [line for line in log.splitlines() if "SUMMARY" in line or "ERROR" in line or "Test unit written" in line][:3]
        row = (target, runs[-1] if runs else "?", "—", "—", "—", "FAILED: " + " / ".join(summary))
    else:
        cov, ft, corp, rate = done[-1]
        row = (target, runs[-1] if runs else "?", rate, cov, ft, f"0 crashes; corpus {corp}")
        if merge:
            merged = os.path.join(FUZZ, "Corpus", target)
            os.makedirs(merged, exist_ok=True)
            subprocess.run([BINARY, "-merge=1", merged, corpus], capture_output=True, env=environment)
    if not os.listdir(crashes):
        shutil.rmtree(crashes)
    return row, failed, log


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "120")))
    parser.add_argument("--targets", default=",".join(targets()))
    parser.add_argument("--lanes", type=int, default=int(os.environ.get("LANES", "1")))
    parser.add_argument("--merge", action="store_true", help="merge inputs that add coverage into Fuzz/Corpus")
    args = parser.parse_args()
    names = args.targets.split(",")
    unknown = sorted(set(names) - set(targets()))
    if unknown:
        sys.exit(f"fuzz: no target {', '.join(unknown)}; targets: {', '.join(targets())}")
    print(f"fuzz: building loupe-fuzz (AddressSanitizer, libFuzzer) in {BUILD}", flush=True)
    build = subprocess.run(["swift", "build", "--package-path", FUZZ, "--build-path", BUILD, "-c", "debug"] + FLAGS,
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit("fuzz: build failed:\n" + build.stdout[-4000:] + build.stderr[-4000:])
    rows, failed = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.lanes)) as pool:
        futures = {pool.submit(fuzz, name, args.seconds, args.merge): name for name in names}
        for future in concurrent.futures.as_completed(futures):
            row, failure, log = future.result()
            print(f"fuzz: {row[0]}: {row[1]} executions, {row[5]}", flush=True)
            rows.append(row)
            if failure:
                failed.append(row[0])
                print(log[-3000:], flush=True)
    rows.sort(key=lambda row: names.index(row[0]))
    print()
    print(f"{args.seconds} s per target, {args.lanes} at a time")
    print()
    print("| target | executions | exec/s | edges | features | result |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    if failed:
        sys.exit(f"fuzz: {', '.join(failed)} failed; inputs in Fuzz/Crashes/ (commit each to Fuzz/Regressions/NAME as a regression case)")


if __name__ == "__main__":
    main()
