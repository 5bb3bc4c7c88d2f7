// Mistake 17, fixed: a header declares; exactly one definition exists in the whole program.
#pragma once

//! [fixed]
extern int client_count;  // a declaration: the one definition is in utility.cpp
inline int next_id = 1;   // C++17: an inline variable is one object, whoever includes it
//! [fixed]
