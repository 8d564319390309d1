# el2lab — the commands a student types. A thin front over tools/setup.sh, CMake, CTest and
# tools/el2lab_run.py; everything real lives there.
#
#   make            build the hypervisor, the guests and the host tests
#   make run        boot the default guests under the hypervisor (GUEST=path for your own)
#   make test       run every test (unit, QEMU, GDB) through CTest
#   make debug      like run, but QEMU waits for GDB ...
#   make gdb        ... which this attaches, in a second terminal
#   make docs       build the reference site into build/docs/html (Doxygen + PlantUML)
#   make bench      instructions per exit round trip (el2lab, el2lab-static, bare QEMU) -> build/bench
#   make clean      remove the build tree
#
# Knobs: GUEST=path  GIC=2|3  SMP=n  APPEND="bootargs"  BUILD=dir

BUILD  ?= build
GIC    ?= 3
SMP    ?= 2
GUEST  ?=
APPEND ?=
PYTHON ?= python3
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)

RUN = $(PYTHON) tools/el2lab_run.py --build-dir $(BUILD) --gic $(GIC) --smp $(SMP) \
      $(if $(APPEND),--append "$(APPEND)")
GUESTS = $(if $(GUEST),$(GUEST),--default-guests)
GDB_SOCKET = $(BUILD)/gdb.sock
# The build as `run`, `debug` and `bench` do it: quiet, its output in $(BUILD)/build.log, shown
# only when it fails.
QUIET_BUILD = cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory > $(BUILD)/build.log 2>&1 \
  || { tail -n 40 $(BUILD)/build.log; echo "the build failed (full log: $(BUILD)/build.log)"; exit 1; }

.PHONY: all build setup configure run test debug gdb docs lint clean

all: build

setup:
	@tools/setup.sh

configure: setup
	@cmake -S . -B $(BUILD) --log-level=WARNING -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)
	@ln -sf $(BUILD)/compile_commands.all.json compile_commands.json

run: configure
	@$(QUIET_BUILD)
	@$(RUN) $(GUESTS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

debug: configure
	@$(QUIET_BUILD)
	@$(PYTHON) tools/foreground.py $(RUN) --gdb-socket $(GDB_SOCKET) $(if $(GUEST),$(GUEST),$$(head -n1 $(BUILD)/default-guests.txt))

gdb: setup
	@EL2LAB_BUILD=$(BUILD) $(PYTHON) tools/foreground.py gdb-multiarch -q -x gdb/el2lab_gdb.py

lint: build
	@$(PYTHON) tools/lint.py --build-dir $(BUILD)

docs: configure
	@cmake --build $(BUILD) --target docs -j $(JOBS)
	@echo "open $(BUILD)/docs/html/index.html"

clean:
	rm -rf $(BUILD) compile_commands.json

# ---- make bench: exit round trips counted under -icount (tools/bench, docs/benchmarks.md) ----
.PHONY: bench
bench: configure
	@$(QUIET_BUILD)
	@$(PYTHON) tools/bench/run_bench.py --build-dir $(BUILD)
