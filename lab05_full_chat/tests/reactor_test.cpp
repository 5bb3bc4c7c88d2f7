// Unit tests of lab05's Reactor, in the test process.
#include "lab05_full_chat/reactor.h"
#include "testkit/graded.h"
