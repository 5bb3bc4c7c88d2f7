# epoll-chat-labs: every command of the kit. `make` alone lists them.
#
# Variables: LAB=lab0N_name (one lab; default all), STACK=mine (link your own earlier labs instead of
# the reference; its own tree, BUILD/mine), SAN=1 (AddressSanitizer + UBSan; BUILD/san), BUILD=dir
# (the build folder, default build), JOBS=n (parallel builds and tests), TIMEOUT_SCALE=n (multiply
# every test deadline on a slow machine), VERBOSE=1 (make test and make grade: every test with its
# own failure), N=k (make hint: hint k), FROM=backup (make restore), ARGS=... and PROGRAM=name
# (make run).
SHELL := /bin/bash
.DEFAULT_GOAL := help

BUILD ?= build
STACK ?= solutions
SAN ?= 0
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# A lab is a folder with a manifest, lab.json (its facts: files, programs, tests; see tools/kit/labs.py).
LABS := $(sort $(patsubst %/lab.json,%,$(wildcard lab*/lab.json)))
LAB ?=
SELECTED := $(if $(LAB),$(LAB),$(LABS))
ifneq ($(LAB),)
  ifeq ($(filter $(LAB),$(LABS)),)
    $(error unknown LAB '$(LAB)': the labs are $(LABS))
  endif
endif
ifeq ($(filter $(STACK),solutions mine),)
  $(error STACK must be 'solutions' (the reference earlier labs, default) or 'mine' (yours), not '$(STACK)')
endif
GENERATOR := $(if $(shell command -v ninja 2>/dev/null),-G Ninja,)
# ccache, when present, makes a rebuild of unchanged sources (a fresh tree, another build type) cheap.
LAUNCHER := $(if $(shell command -v ccache 2>/dev/null),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache,)
PYTHON ?= python3

# Every build has a tree of its own, so that switching between them never rebuilds another:
# build/ (the reference earlier labs), build/mine (STACK=mine), build/san (SAN=1), build/san-mine.
# TREE=dir on the command line names a tree of one's own (make busy-check's prebuilt stack).
MINE := $(if $(filter mine,$(STACK)),mine,)
ifeq ($(SAN),1)
  TREE := $(BUILD)/san$(if $(MINE),-mine,)
  SAN_FLAGS := -DKIT_SANITIZE=ON
  export TIMEOUT_SCALE ?= 3
else
  TREE := $(BUILD)$(if $(MINE),/mine,)
  SAN_FLAGS :=
endif
# Builds with a one-line step counter (never silent), each target's output in TREE/logs/.
BUILD_WITH = $(PYTHON) tools/progress_build.py --jobs $(JOBS) --tree
# Every graded lab's result, for make progress, make hint and make watch (tools/progress_store.py).
STORE := $(BUILD)/progress

# Configure once. A tree's stack is in its name, so this reconfigures only a tree an older kit made.
define configure
	@if [ ! -f $(1)/CMakeCache.txt ] || ! grep -q "^KIT_STACK:STRING=$(STACK)$$" $(1)/CMakeCache.txt; then \
	  $(BUILD_WITH) $(1) --configure --what "$(1)/ (STACK=$(STACK)$(if $(SAN_FLAGS),$(comma) sanitizers,))" \
	    -- $(GENERATOR) $(LAUNCHER) -DKIT_STACK=$(STACK) $(2) || exit 1; fi
endef

.PHONY: help setup build test grade check docs demo diff mydiff bench clean skeletons format watch hint \
        reset restore progress run mutants gradescope grade-all busy-check release demo-federation _configure

help:  ## list the commands
	@echo "epoll-chat-labs: from a blocking socket to an epoll chat room, in five labs."
	@echo
	@echo "Students (LAB=lab01_blocking ...; in a lab folder, LAB is that lab):"
	@echo "  make demo               watch the reference programs at work"
	@echo "  make test [LAB=...] [STACK=mine] [SAN=1] [VERBOSE=1]   grade your work: failures by cause, score, where to start"
	@echo "  make watch [LAB=...]    grade again on every save: the changed file's tests first (no LAB: the first lab not at 100%)"
	@echo "  make progress           every lab's score, tests passed and next lesson, from your last results"
	@echo "  make hint LAB=... [N=k] hint k (1: a nudge ... the last: nearly the answer) for your first failing test"
	@echo "                          (FOR=function: the hints of another function)"
	@echo "  make run LAB=... [ARGS=...]       build and start the lab's program (yours)"
	@echo "  make mydiff LAB=...     your changes to the lab's files (against the untouched skeleton)"
	@echo "  make reset LAB=...      back up your files (.backups/), then restore the untouched skeleton"
	@echo "  make restore LAB=... [FROM=backup]   bring a backup back (default: the newest)"
	@echo "  make docs               build the walkthrough: $(BUILD)/docs/html/index.html"
	@echo "  make demo-federation    lab05 5b: one chat room on two servers joined by Redis"
	@echo
	@echo "Instructors and kit developers:"
	@echo "  make setup              install the OS packages the kit needs (apt-get), check versions (no make? ./setup)"
	@echo "  make build              configure and build everything (student and reference)"
	@echo "  make diff LAB=...       the lab's files against the reference solution (it shows the solution:"
	@echo "                          it warns, and asks, in a lab not finished yet)"
	@echo "  make grade              as test, and write $(BUILD)/results/results.json (Gradescope) and junit.xml"
	@echo "  make grade-all SUBMISSIONS=dir [LAB=...]   grade every submission folder in dir (contained: see README)"
	@echo "  make gradescope [LAB=...]        build the Gradescope autograder zip"
	@echo "  make release LABS=a,b [SOLUTIONS=a] OUT=dir   write the student edition (no unreleased solutions)"
	@echo "  make check              the kit's self-test (what CI runs)"
	@echo "  make fresh-check        the README's quick start on a fresh minimal Debian 12 (root, debootstrap)"
	@echo "  make mutants            only the mutant catalogue of make check"
	@echo "  make busy-check         fairness proof: every test, 20 times, with a CPU hog per core"
	@echo "  make skeletons          regenerate the lab files from solutions/"
	@echo "  make bench              benchmarks (speed and scale figures)"
	@echo "  make format             apply .clang-format to the tree (and black to tools/)"
	@echo "  make clean              remove $(BUILD)/ (every build tree, and make progress's results)"
	@echo
	@echo "Builds: $(BUILD)/ (plain), $(BUILD)/mine (STACK=mine), $(BUILD)/san (SAN=1), $(BUILD)/san-mine (both)."

setup:  ## install the OS packages (Debian/Ubuntu)
	@bash tools/setup.sh

$(TREE)/CMakeCache.txt:
	$(call configure,$(TREE),$(SAN_FLAGS))

_configure:  # for tools/progress.py and tools/watch.py: the tree of STACK and SAN, configured
	$(call configure,$(TREE),$(SAN_FLAGS))

build:
	$(call configure,$(TREE),$(SAN_FLAGS))
	@$(BUILD_WITH) $(TREE) --what "everything in $(TREE)/ (student and reference)" all

# test, grade: build each selected lab on its own, so that one lab that does not compile still lets
# the others be graded, then grade. The compiler's output goes to $(TREE)/logs/<lab>.build.log and
# the labs that failed are listed in $(TREE)/not-built: the report prints their errors last, after
# the score table, where they cannot scroll away (and does not grade the test binaries an earlier
# build left behind). The reference side of each lab is built too, where its solution is present: its
# test binaries, which no student code runs in, say which graded tests exist and what they are worth.
# Each lab's result is kept in $(STORE)/ for make progress.
define grade_recipe
	$(call configure,$(TREE),$(SAN_FLAGS))
	@mkdir -p $(TREE)/logs; rm -f $(TREE)/not-built
	@$(BUILD_WITH) $(TREE) --failed $(TREE)/not-built \
	  $(foreach lab,$(SELECTED),$(lab) $(if $(wildcard solutions/$(lab)),ref-$(lab),)) || true
	@$(PYTHON) tools/grade.py --build $(TREE) --labs "$(subst $() ,$(comma),$(SELECTED))" --jobs $(JOBS) \
	  --store $(STORE) $(1)
endef

test:
	$(call grade_recipe,$(if $(VERBOSE),--verbose,))

grade:
	$(call grade_recipe,$(if $(VERBOSE),--verbose,) --results $(BUILD)/results)

# From the results make test and make watch keep: only a lab whose files changed is graded again.
progress:
	@$(PYTHON) tools/progress.py --build $(BUILD) --jobs $(JOBS)

watch:
	$(call configure,$(TREE),$(SAN_FLAGS))
	@$(PYTHON) tools/watch.py --tree $(TREE) --store $(STORE) --jobs $(JOBS) $(LAB)

hint:
	@[ -n "$(LAB)" ] || { echo "make hint needs LAB=... (the lab whose first failing test you want a hint for)"; exit 2; }
	@$(PYTHON) tools/hint.py --store $(STORE) $(if $(FOR),--for '$(FOR)',) $(LAB) $(N)

reset:
	@[ -n "$(LAB)" ] || { echo "make reset needs LAB=..."; exit 2; }
	@$(PYTHON) tools/reset.py reset $(LAB)

restore:
	@[ -n "$(LAB)" ] || { echo "make restore needs LAB=... [FROM=backup]"; exit 2; }
	@$(PYTHON) tools/reset.py restore $(LAB) $(FROM)

mydiff:
	@[ -n "$(LAB)" ] || { echo "make mydiff needs LAB=..."; exit 2; }
	@$(PYTHON) tools/reset.py mydiff $(LAB)

# The reference solution: for instructors. It warns (and asks, on a terminal) in a lab whose last
# result is not 100%: a student should not see that solution yet.
diff:
	@$(PYTHON) tools/reset.py diff --store $(STORE) $(SELECTED)

# make run LAB=... [PROGRAM=name] [ARGS="--port 9000"]: build and start one of the lab's programs,
# yours (the first of lab.json's programs by default). Only that program is built.
run:
	@[ -n "$(LAB)" ] || { echo "make run needs LAB=... (or run it in a lab folder)"; exit 2; }
	$(call configure,$(TREE),$(SAN_FLAGS))
	@program=$${PROGRAM:-$$($(PYTHON) tools/kit program $(LAB))}; \
	  $(BUILD_WITH) $(TREE) --show-errors --what "$$program of $(LAB) (yours)" $(LAB)-$$program && \
	  echo "\$$ $(TREE)/bin/$(LAB)/$$program $(ARGS)" && exec $(TREE)/bin/$(LAB)/$$program $(ARGS)

# A student edition (make release) has no instructor tools: its instructor commands say so.
STUDENT_EDITION := $(wildcard .student-edition)
define instructor_only
	@if [ -n "$(STUDENT_EDITION)" ]; then \
	  echo "make $@ is part of the instructor's kit, not of this student edition ($$(cat .student-edition))"; exit 2; fi
endef

check:
	$(instructor_only)
	@bash tools/check.sh

# The student edition: LABS=lab01_blocking,... [SOLUTIONS=...] OUT=dir (tools/release.sh).
release:
	$(instructor_only)
	@bash tools/release.sh "$(LABS)" "$(SOLUTIONS)" "$(OUT)"

# Not part of check: it needs root, debootstrap and the Debian archive (tools/fresh_machine_check.sh).
.PHONY: fresh-check
fresh-check:
	@bash tools/fresh_machine_check.sh

mutants:
	$(instructor_only)
	@$(PYTHON) tools/mutants.py --build $(BUILD)/mutants $(if $(LAB),--labs $(LAB),)

# Not part of check: it runs the reference tests 20 times and the student stack 5 times under load.
busy-check:
	$(instructor_only)
	@bash tools/busy_machine_check.sh $(BUILD)

skeletons:
	$(instructor_only)
	@$(PYTHON) tools/skeletons.py write $(LAB)

docs:
	@bash tools/docs.sh $(BUILD)

demo:
	@[ -f lab05_full_chat/lab.json ] || { echo "make demo shows lab 5's chat room, which this kit does not have yet"; exit 2; }
	$(call configure,$(BUILD),)
	@$(BUILD_WITH) $(BUILD) --show-errors --what "the demo's programs (lab05's reference chat_server, chat_client)" \
	  ref-lab05_full_chat-chat_server ref-lab05_full_chat-chat_client
	@bash tools/demo.sh $(BUILD)

# lab05 5b: Redis and two federated chat_servers (tools/demo_federation.py); needs redis-server.
demo-federation:
	@[ -f lab05_full_chat/lab.json ] || { echo "make demo-federation shows lab 5's stage 5b, which this kit does not have yet"; exit 2; }
	$(call configure,$(BUILD),)
	@$(BUILD_WITH) $(BUILD) --show-errors --what "the demo's program (lab05's reference chat_server)" \
	  ref-lab05_full_chat-chat_server
	@bash tools/demo.sh $(BUILD) federation

bench:
	$(call configure,$(BUILD),)
	@bash tools/bench.sh $(BUILD) $(STACK)

gradescope:
	$(instructor_only)
	@bash tools/gradescope.sh $(BUILD) "$(LAB)"

grade-all:
	$(instructor_only)
	@[ -n "$(SUBMISSIONS)" ] || { echo "make grade-all needs SUBMISSIONS=dir"; exit 2; }
	@BUILD=$(BUILD) JOBS=$(JOBS) bash tools/grade_all.sh "$(SUBMISSIONS)" "$(LAB)" "$(TESTS)"

# The lab files generated from solutions/ are not formatted on their own: `make skeletons` derives
# them from the (formatted) solutions. The Python of tools/ is black's (tools/pyproject.toml).
format:
	@files=$$(git ls-files '*.h' '*.cpp' '*.c' | grep -vxF -f <($(PYTHON) tools/skeletons.py files)); \
	  clang-format -i $$files && echo "formatted $$(echo $$files | wc -w) files"
	@$(PYTHON) tools/skeletons.py write
	@black -q tools && echo "formatted tools/ (black)"

clean:
	rm -rf $(BUILD)

comma := ,
