#define _GNU_SOURCE
#include "process_control.h"
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

int loupe_exit_with_parent(pid_t parent) {
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return -1;
    // The parent may have ended before the call: then nobody would send the signal.
    return getppid() == parent ? 0 : -1;
}

int loupe_pin_to_cores(const int *cores, int count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    for (int i = 0; i < count; i++) {
        if (cores[i] < 0 || cores[i] >= CPU_SETSIZE) return -1;
        CPU_SET(cores[i], &set);
    }
    return sched_setaffinity(0, sizeof(set), &set);
}

