// placeholder
#include "testkit/graded.h"
