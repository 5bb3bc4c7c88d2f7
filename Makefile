# epoll-chat-labs: every command of the kit. `make` alone lists them.
#
# Variables: LAB=lab0N_name (one lab; default all), STACK=mine (link your own earlier labs instead of
# the reference), SAN=1 (AddressSanitizer + UBSan build), BUILD=dir (build tree, default build),
# JOBS=n (parallel tests), TIMEOUT_SCALE=n (multiply every test deadline on a slow machine), VERBOSE=1
# (make test and make grade: every test with its own failure).
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

ifeq ($(SAN),1)
  TREE := $(BUILD)/san
  SAN_FLAGS := -DKIT_SANITIZE=ON
  export TIMEOUT_SCALE ?= 3
else
  TREE := $(BUILD)
  SAN_FLAGS :=
endif

# Configure once; reconfigure only when STACK changes (CMake keeps the rest).
define configure
	@if [ ! -f $(1)/CMakeCache.txt ] || ! grep -q "^KIT_STACK:STRING=$(STACK)$$" $(1)/CMakeCache.txt; then \
	  cmake -S . -B $(1) $(GENERATOR) $(LAUNCHER) -DKIT_STACK=$(STACK) $(2) >/dev/null || exit 1; fi
endef

.PHONY: help setup build test grade check docs demo diff bench clean skeletons format watch hint \
        reset progress mutants gradescope grade-all busy-check

help:  ## list the commands
	@echo "epoll-chat-labs: from a blocking socket to an epoll chat room, in five labs."
	@echo
	@echo "Students:"
	@echo "  make test [LAB=lab01_blocking] [STACK=mine] [SAN=1] [VERBOSE=1]   grade your work: failures by cause, score, where to start"
	@echo "  make diff LAB=...       your files against the reference solution (instructors)"
	@echo "  make hint LAB=...       the hints section of the lab's chapter"
	@echo "  make watch LAB=...      rerun the lab's tests whenever you save a file"
	@echo "  make progress           one line per lab: your score so far"
	@echo "  make reset LAB=...      restore a lab's files to the untouched skeleton (asks first)"
	@echo "  make docs               build the walkthrough: $(BUILD)/docs/html/index.html"
	@echo "  make demo               watch the reference programs at work"
	@echo "  make demo-federation    lab05 5b: one chat room on two servers joined by Redis"
	@echo
	@echo "Instructors and kit developers:"
	@echo "  make setup              install the OS packages the kit needs (apt-get), check versions (no make? ./setup)"
	@echo "  make build              configure and build everything (student and reference)"
	@echo "  make grade              as test, and write $(BUILD)/results/results.json (Gradescope) and junit.xml"
	@echo "  make grade-all SUBMISSIONS=dir [LAB=...]   grade every submission folder in dir (contained: see README)"
	@echo "  make gradescope [LAB=...]        build the Gradescope autograder zip"
	@echo "  make check              the kit's self-test (what CI runs)"
	@echo "  make fresh-check        the README's quick start on a fresh minimal Debian 12 (root, debootstrap)"
	@echo "  make mutants            only the mutant catalogue of make check"
	@echo "  make busy-check         fairness proof: every test, 20 times, with a CPU hog per core"
	@echo "  make skeletons          regenerate the lab files from solutions/"
	@echo "  make bench              benchmarks (speed and scale figures)"
	@echo "  make format             apply .clang-format to the tree (and black to tools/)"
	@echo "  make clean              remove $(BUILD)/"

setup:  ## install the OS packages (Debian/Ubuntu)
	@bash tools/setup.sh

$(TREE)/CMakeCache.txt:
	$(call configure,$(TREE),$(SAN_FLAGS))

build:
	$(call configure,$(TREE),$(SAN_FLAGS))
	@cmake --build $(TREE) -j $(JOBS)

# test, grade and progress: build each selected lab on its own, so that one lab that does not compile
# still lets the others be graded, then grade. The compiler's output goes to $(TREE)/logs/<lab>.build.log
# and the labs that failed are listed in $(TREE)/not-built: the report prints their errors last, after
# the score table, where they cannot scroll away (and does not grade the test binaries an earlier
# build left behind). The reference side of each lab is built too, where its solution is present: its
# test binaries, which no student code runs in, say which graded tests exist and what they are worth.
define grade_recipe
	$(call configure,$(TREE),$(SAN_FLAGS))
	@mkdir -p $(TREE)/logs; rm -f $(TREE)/not-built; for lab in $(SELECTED); do \
	  cmake --build $(TREE) -j $(JOBS) --target $$lab >$(TREE)/logs/$$lab.build.log 2>&1 \
	    || echo $$lab >> $(TREE)/not-built; \
	  cmake --build $(TREE) -j $(JOBS) --target ref-$$lab >$(TREE)/logs/ref-$$lab.build.log 2>&1 || true; \
	done
	@$(PYTHON) tools/grade.py --build $(TREE) --labs "$(subst $() ,$(comma),$(SELECTED))" --jobs $(JOBS) $(1)
endef

test:
	$(call grade_recipe,$(if $(VERBOSE),--verbose,))

grade:
	$(call grade_recipe,$(if $(VERBOSE),--verbose,) --results $(BUILD)/results)

progress:
	$(call grade_recipe,--summary) || true

check:
	@bash tools/check.sh

# Not part of check: it needs root, debootstrap and the Debian archive (tools/fresh_machine_check.sh).
.PHONY: fresh-check
fresh-check:
	@bash tools/fresh_machine_check.sh

mutants:
	@$(PYTHON) tools/mutants.py --build $(BUILD)/mutants $(if $(LAB),--labs $(LAB),)

# Not part of check: it runs the reference tests 20 times and the student stack 5 times under load.
busy-check:
	@bash tools/busy_machine_check.sh $(BUILD)

skeletons:
	@$(PYTHON) tools/skeletons.py write $(LAB)

diff:
	@for f in $$($(PYTHON) tools/skeletons.py files $(LAB)); do \
	  diff -u --label "solutions/$$f" --label "$$f" solutions/$$f $$f; done; true

hint:
	@for lab in $(SELECTED); do $(PYTHON) tools/hint.py $$lab; done

reset:
	@[ -n "$(LAB)" ] || { echo "make reset needs LAB=..."; exit 2; }
	@read -p "Overwrite your files in $(LAB)/ with the untouched skeleton? [y/N] " answer; \
	  [ "$$answer" = y ] && $(PYTHON) tools/skeletons.py write $(LAB) || echo "nothing changed"

watch:
	@[ -n "$(LAB)" ] || { echo "make watch needs LAB=..."; exit 2; }
	@bash tools/watch.sh $(LAB)

docs:
	@bash tools/docs.sh $(BUILD)

demo:
	$(call configure,$(BUILD),)
	@cmake --build $(BUILD) -j $(JOBS) --target ref-lab05_full_chat-chat_server ref-lab05_full_chat-chat_client >/dev/null
	@bash tools/demo.sh $(BUILD)

# lab05 5b: Redis and two federated chat_servers (tools/demo_federation.py); needs redis-server.
.PHONY: demo-federation
demo-federation:
	$(call configure,$(BUILD),)
	@echo "building the lab05 reference chat_server (ref-lab05_full_chat-chat_server)"
	@cmake --build $(BUILD) -j $(JOBS) --target ref-lab05_full_chat-chat_server >/dev/null
	@bash tools/demo.sh $(BUILD) federation

bench:
	$(call configure,$(BUILD),)
	@bash tools/bench.sh $(BUILD) $(STACK)

gradescope:
	@bash tools/gradescope.sh $(BUILD) "$(LAB)"

grade-all:
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
