// Process control that glibc offers only under _GNU_SOURCE or through
// headers Swift's Glibc module leaves out: the pilot needs them to start
// payloads in their own directory with nothing of its own inherited.
#ifndef PANDA_PROCESS_SHIM_H
#define PANDA_PROCESS_SHIM_H
#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

/// posix_spawn_file_actions_addchdir_np: the child starts in `path`.
int panda_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);
/// posix_spawn_file_actions_addclosefrom_np: the child gets no descriptor >= `from`.
int panda_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from);
/// prctl(PR_SET_DUMPABLE, 0): no core dumps, and /proc/PID/{environ,mem}
/// closed to other processes of the same user.
int panda_set_not_dumpable(void);
/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants (a payload's
/// double-forked, setsid'd processes) are reparented to this process.
int panda_set_child_subreaper(void);

/// What panda_spawn_as starts: the same child posix_spawn would (its own
/// process group, default signal dispositions, an empty mask, stdio to
/// files, no other descriptor, a working directory), but running as
/// `uid`/`gid` with exactly `groups` (and `umask`, when given). posix_spawn
/// cannot change ids, so this forks; the child makes only system calls
/// until execve.
struct panda_spawn_request {
    const char *path;            // absolute: no PATH search after fork
    char *const *argv;
    char *const *envp;
    const char *stdin_path;
    const char *stdout_path;
    const char *stderr_path;     // NULL: stderr goes where stdout goes
    int output_flags;            // O_WRONLY|O_CREAT|(O_TRUNC or O_APPEND)
    const char *directory;       // NULL: the parent's
    uid_t uid;
    gid_t gid;
    const gid_t *groups;
    size_t group_count;
    int umask;                   // negative: the parent's
    // Nonzero: the child keeps CAP_SETUID, CAP_SETGID, CAP_CHOWN,
    // CAP_DAC_OVERRIDE and CAP_KILL (and only those) as ambient capabilities through the switch
    // and execve, so it can in turn run its children (a pilot's payloads)
    // as another user; the parent must hold them. Zero: it keeps none.
    int keep_switch_capabilities;
};

/// Starts the request's child; 0 and its pid in `pid`, or the errno of the
/// step that failed (in the parent, or in the child before execve).
int panda_spawn_as(const struct panda_spawn_request *request, pid_t *pid);
#endif
