// What `loupe compare` needs of Linux that Swift cannot call directly: prctl is variadic,
// and CPU_SET is a macro.
#ifndef LOUPE_PROCESS_CONTROL_H
#define LOUPE_PROCESS_CONTROL_H
#include <sys/types.h>

// Asks the kernel to kill this process when the thread that started it ends (its parent
// was killed); returns -1 when the parent is no longer `parent` (it already ended).
int loupe_exit_with_parent(pid_t parent);

// Restricts this process (all its threads to come) to `count` cores; returns 0, or -1 with
// errno set (a core this machine or cgroup does not allow).
int loupe_pin_to_cores(const int *cores, int count);
#endif
