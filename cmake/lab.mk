# Included by each lab's Makefile: `make test|run|diff|hint|watch|reset` inside a lab folder act on
# that lab through the top-level Makefile. The program `make run` starts is the first of the lab's
# manifest (lab.json).
LAB := $(notdir $(patsubst %/,%,$(CURDIR)))
TOP := $(abspath $(CURDIR)/..)
PROGRAM ?= $(shell python3 $(TOP)/tools/kit program $(LAB))
.DEFAULT_GOAL := test
.PHONY: test grade diff hint watch reset run

test grade diff hint watch reset:
	@$(MAKE) --no-print-directory -C $(TOP) $@ LAB=$(LAB)

# make run [ARGS="--port 9000"]: build and start this lab's main program (your build).
run:
	@$(MAKE) --no-print-directory -C $(TOP) build >/dev/null
	$(TOP)/build/bin/$(LAB)/$(PROGRAM) $(ARGS)
