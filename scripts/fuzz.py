#!/usr/bin/python3
"""`make fuzz`: every libFuzzer target in Fuzz/ (one per reader of untrusted bytes) for
FUZZ_SECONDS each, from the committed seed corpus, under AddressSanitizer.

A crash, a hang (> 1 s on one input), an allocation above 2 GB or a sanitizer report fails
the run; the input is kept in Fuzz/Crashes/<target>/ to commit as a regression case. The
table gives executions per second and coverage (edges, features) per target.

    /usr/bin/python3 scripts/fuzz.py [--seconds 120] [--targets FuzzImages,FuzzSafeTensors]
"""
import argparse
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, ".build-fuzz")
TARGETS = ["FuzzImages", "FuzzSafeTensors", "FuzzTorchWeights", "FuzzConfiguration", "FuzzReviewJournal", "FuzzScoreParts"]
FLAGS = ["-Xswiftc", "-sanitize=fuzzer,address", "-Xswiftc", "-parse-as-library", "-Xcc", "-fsanitize=fuzzer-no-link,address",
         "-Xswiftc", "-use-ld=lld"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS", "120")))
    parser.add_argument("--targets", default=",".join(TARGETS))
    args = parser.parse_args()
    targets = args.targets.split(",")
    build = subprocess.run(["swift", "build", "--package-path", os.path.join(ROOT, "Fuzz"), "--build-path", BUILD, "-c", "debug"] + FLAGS,
                           capture_output=True, text=True)
    if build.returncode != 0:
        sys.exit("fuzz: build failed:\n" + build.stdout[-4000:] + build.stderr[-4000:])
    rows, failed = [], []
    for target in targets:
        corpus = os.path.join(BUILD, "corpus", target)
        os.makedirs(corpus, exist_ok=True)
        crashes = os.path.join(ROOT, "Fuzz", "Crashes", target)
        os.makedirs(crashes, exist_ok=True)
        seeds = os.path.join(ROOT, "Fuzz", "Corpus", target)
        command = [os.path.join(BUILD, "debug", target), corpus, seeds, f"-max_total_time={args.seconds}", "-timeout=1",
                   "-rss_limit_mb=2048", "-malloc_limit_mb=2048", f"-artifact_prefix={crashes}/", "-print_final_stats=1"]
        print(f"fuzz: {target} for {args.seconds} s", flush=True)
        result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=1",
                                                                                         LSAN_OPTIONS="suppressions=" + os.path.join(ROOT, "Fuzz", "lsan.supp")))
        log = result.stderr
        done = re.findall(r"DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/\S+ .*?exec/s: (\d+)", log)
        runs = re.findall(r"stat::number_of_executed_units: (\d+)", log)
        if result.returncode != 0 or not done:
            failed.append(target)
            summary = [line for line in log.splitlines() if "SUMMARY" in line or "ERROR" in line][:3]
            rows.append((target, runs[-1] if runs else "?", "—", "—", "—", "FAILED: " + " / ".join(summary)))
            # An empty crash folder stays out of git; a failure leaves its input there.
        else:
            cov, ft, corp, rate = done[-1]
            rows.append((target, runs[-1] if runs else "?", rate, cov, ft, f"corpus {corp}"))
        if not os.listdir(crashes):
            shutil.rmtree(crashes)
    print()
    print(f"| target | executions | exec/s | edges | features | result |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")
    if failed:
        sys.exit(f"fuzz: {', '.join(failed)} failed; inputs in Fuzz/Crashes/ (commit each as a regression case)")


if __name__ == "__main__":
    main()
