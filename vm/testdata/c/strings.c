/* String literals in .rodata.str1.1 handed to a logging helper bound by name. */
#include "helpers.h"

static const char banner[] = "pquic vm";

u64 say_hello(u64 n)
{
    log_string("hello", 5);
    log_string(banner, sizeof(banner) - 1);
    log_string(n > 3 ? "big" : "small", n > 3 ? 3 : 5);
    return log_u64(n * 2);
}
