/* Struct copies on the stack and through pointers, globals in .data and .bss. */
#include "helpers.h"

struct point {
    u64 x, y;
    u32 tag;
    u8 flags[4];
};

static struct point origin = { 3, 4, 7, { 1, 2, 3, 4 } };
static u64 counter;

static __attribute__((noinline)) void shift(struct point *out, const struct point *in, u64 d)
{
    struct point tmp = *in;
    tmp.x += d;
    tmp.y += 2 * d;
    tmp.flags[0] ^= 0xff;
    *out = tmp;
    counter++;
}

u64 structs_main(u64 d)
{
    struct point a, b;
    shift(&a, &origin, d);
    shift(&b, &a, d);
    origin = b;
    return b.x * 1000000 + b.y * 1000 + b.tag * 10 + b.flags[0] + counter * 100000000000ULL;
}
