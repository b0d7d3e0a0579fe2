/* Pointers stored in data: R_BPF_64_ABS64 relocations in .rodata (a table of
 * string literals) and in .data (a global pointer into a global array). */
#include "helpers.h"

static const char *names[] = { "zero", "one", "two", "three" };
u64 table[4] = { 10, 20, 30, 40 };
u64 *cursor = &table[2];

u64 pick(u64 i)
{
    const char *s = names[i & 3];
    u64 n = 0;
    while (s[n])
        n++;
    log_string(s, n);
    u64 r = n * 1000 + *cursor + table[i & 3];
    cursor = &table[i & 3];
    return r;
}
