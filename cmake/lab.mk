# Included by each lab's Makefile: `make test|run|watch|hint|...` inside a lab folder act on that lab
# through the top-level Makefile (variables given on the command line, ARGS=, N=, FROM=, pass on).
# The program `make run` starts is the first of the lab's manifest (lab.json), or PROGRAM=name.
LAB := $(notdir $(patsubst %/,%,$(CURDIR)))
TOP := $(abspath $(CURDIR)/..)
.DEFAULT_GOAL := test
.PHONY: test grade diff mydiff hint watch reset restore run progress

test grade diff mydiff hint watch reset restore run progress:
	@$(MAKE) --no-print-directory -C $(TOP) $@ LAB=$(LAB)
