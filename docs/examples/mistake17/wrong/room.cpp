// One of two files that include utility.h: it defines client_count and next_id once more.
#include "utility.h"

int join()
{
    ++client_count;
    return next_id++;
}
