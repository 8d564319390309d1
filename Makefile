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
#                   (LAB=NN: el2lab, el2lab-static and lab NN's image)
#   make clean      remove the build tree
#
# The labs (labs/README.md):
#   make lab LAB=NN         build lab NN's hypervisor (your labs/NN-name/hal.h) and boot its guests
#   make debug LAB=NN       ... waiting for GDB; make gdb LAB=NN attaches with the lab's script
#   make grade LAB=NN       grade lab NN; make grade grades every lab and prints a total
#   make handout            the student tree in build/handout (no solutions, no hidden tests)
#   make autograder         Gradescope autograder zips in build/autograder (LAB=NN for one lab)
#   SOLUTION=1              with lab/debug/gdb/grade: the reference solution instead
#
# Knobs: GUEST=path  GIC=2|3  SMP=n  APPEND="bootargs"  BUILD=dir  LAB=NN  SOLUTION=1
#        REPLAY=1 (debug: record, then replay for GDB's reverse-stepi; one CPU)

BUILD  ?= build
GIC    ?= 3
SMP    ?= 2
REPLAY ?=
# make debug REPLAY=1: record the run, then replay it for GDB (reverse-stepi works); QEMU's
# record/replay takes one CPU only.
ifneq ($(REPLAY),)
SMP := 1
endif
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

# With LAB=NN the lab's image (built by tools/el2lab_lab.py) replaces the reference one.
debug: configure
	@$(QUIET_BUILD)
ifneq ($(LAB),)
	@$(PYTHON) tools/foreground.py $(LABTOOL) debug $(LAB) --gic $(GIC) --smp $(SMP)
else
	@$(PYTHON) tools/foreground.py $(RUN) --gdb-socket $(GDB_SOCKET) $(if $(REPLAY),--record-replay $(BUILD)/replay) $(if $(GUEST),$(GUEST),$$(head -n1 $(BUILD)/default-guests.txt))
endif

gdb: setup
ifneq ($(LAB),)
	@$(PYTHON) tools/foreground.py $(LABTOOL) gdb $(LAB)
else
	@EL2LAB_BUILD=$(BUILD) $(PYTHON) tools/foreground.py gdb-multiarch -q -x gdb/el2lab_gdb.py
endif

lint: build
	@$(PYTHON) tools/lint.py --build-dir $(BUILD)

docs: configure
	@cmake --build $(BUILD) --target docs -j $(JOBS)
	@echo "open $(BUILD)/docs/html/index.html"

# ---- the labs: everything real is in tools/el2lab_lab.py and labs/gradelib ------------------
LAB      ?=
SOLUTION ?=
LABTOOL = $(PYTHON) tools/el2lab_lab.py --build-dir $(BUILD) $(if $(filter-out 0,$(SOLUTION)),--solution)

.PHONY: lab grade handout autograder

lab: configure
	@$(QUIET_BUILD)
	@$(LABTOOL) run $(if $(LAB),$(LAB),$(error name the lab: make lab LAB=NN)) --gic $(GIC) --smp $(SMP)

grade: configure
	@$(QUIET_BUILD)
	@$(LABTOOL) grade $(LAB)

handout:
	@$(LABTOOL) handout $(BUILD)/handout

autograder:
	@$(LABTOOL) autograder $(BUILD)/autograder $(LAB)
# ---- end of the labs ---------------------------------------------------------------------------

clean:
	rm -rf $(BUILD) compile_commands.json

# ---- make bench: exit round trips counted under -icount (tools/bench, docs/benchmarks.md) ----
.PHONY: bench
# LAB=NN benches lab NN's image beside el2lab and el2lab-static (SOLUTION=1: its solution).
bench: configure
	@$(QUIET_BUILD)
ifneq ($(LAB),)
	@$(LABTOOL) build $(LAB)
	@$(PYTHON) tools/bench/run_bench.py --build-dir $(BUILD) --lab $(LAB) $(if $(filter-out 0,$(SOLUTION)),--solution)
else
	@$(PYTHON) tools/bench/run_bench.py --build-dir $(BUILD)
endif
