// Mistake 17, the tutorial's way: the chat server's state as globals *defined* in a header.
// Every .cpp file that includes this header gets its own definition of each global; the linker
// then finds two (or more) and refuses: "multiple definition of `client_count'".
#pragma once

//! [wrong]
int client_count = 0;  // a definition, in every file that includes the header
int next_id = 1;
//! [wrong]
