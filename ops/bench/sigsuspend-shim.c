// LD_PRELOAD shim so that Swift programs with an async main run under valgrind 3.19 (Debian 12).
//
// libdispatch parks the main thread in `_dispatch_sigsuspend`, which calls sigsuspend() with a `static const`
// (read-only) mask; valgrind's rt_sigsuspend wrapper writes into the mask it is given and dies with an internal
// SIGSEGV (si_code 2, faulting address inside libdispatch.so). This shim passes a writable copy instead.
// Build: ops/bench/build.sh; use: valgrind --tool=callgrind ... with LD_PRELOAD=ops/bench/build/sigsuspend-shim.so
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, (size_t)(_NSIG / 8));
}
