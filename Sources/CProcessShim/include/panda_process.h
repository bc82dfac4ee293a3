// Process control that glibc offers only under _GNU_SOURCE or through
// headers Swift's Glibc module leaves out: the pilot needs them to start
// payloads in their own directory with nothing of its own inherited.
#ifndef PANDA_PROCESS_SHIM_H
#define PANDA_PROCESS_SHIM_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np: the child starts in `path`.
int panda_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np: the child gets no descriptor >= `from`.
int panda_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from);
/// prctl(PR_SET_DUMPABLE, 0): no core dumps, and /proc/PID/{environ,mem}
/// closed to other processes of the same user.
int panda_set_not_dumpable(void);
#endif
