// One of two files that include utility.h: it uses the globals, it defines none.
#include "utility.h"

int join()
{
    ++client_count;
    return next_id++;
}
