// The one definition of client_count (utility.h only declares it).
#include "utility.h"

//! [definition]
int client_count = 0;
//! [definition]
