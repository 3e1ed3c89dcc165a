# The README's two commands. Both bootstrap the machine first (Debian packages, idempotent).
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython_EXECUTABLE=/usr/bin/python3
PY := /usr/bin/python3

.PHONY: run test build bootstrap configure bench fuzz sanitize tsan soak clean

bootstrap:
	@bash scripts/bootstrap.sh

configure: bootstrap
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The main job: the zoo's compact CNN on Fashion-MNIST with augmentation (10 epochs, ~8 min on 2 cores), its
# summary, the report and the test evaluation; writes runs/fmnist_cnn/.
run: build
	@bash scripts/run_main_job.sh $(BUILD)

# Every test: C++ tiers through CTest, then the Python suite.
test: build
	@bash scripts/run_tests.sh $(BUILD)

# libFuzzer targets of every file reader (clang + ASan + UBSan, build-fuzz/): FUZZ_SECONDS each.
fuzz: bootstrap
	@bash scripts/fuzz.sh

# The unit and ops tiers under ASan + UBSan (build-asan/; also a tier of CI's .ci/run).
sanitize: bootstrap
	@bash scripts/sanitize.sh

# The threaded parts (allocator, DataLoader, OpenMP kernels) under ThreadSanitizer (build-tsan/).
tsan: bootstrap
	@bash scripts/tsan.sh

# The soak test (a few minutes): 10,000 random op graphs against torch float64, and training runs
# killed at random moments that must resume bit-identical (scripts/soak.sh, docs/RELIABILITY.md).
soak: build
	@bash scripts/soak.sh $(BUILD)

bench: build
	@bash bench/compare.sh $(BUILD)

clean:
	rm -rf $(BUILD)
