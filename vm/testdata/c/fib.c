/* Recursive Fibonacci: bpf-to-bpf calls (noinline keeps them calls). */
#include "helpers.h"

static __attribute__((noinline)) u64 fib(u64 n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

/* r1 = n (n <= 6 keeps within the call-depth limit). */
u64 fib_main(u64 n)
{
    u64 total = 0;
    for (u64 i = 0; i <= n; i++)
        total = total * 100 + fib(i);
    return total;
}
