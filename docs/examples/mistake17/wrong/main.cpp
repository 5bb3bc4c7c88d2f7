// The other file that includes utility.h: a second definition of each global.
#include <cstdio>

#include "utility.h"

int join();

int main()
{
    join();
    const int id = join();
    std::printf("%d clients, the last has id %d\n", client_count, id);
}
