#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "panda_process.h"

int panda_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int panda_spawn_add_closefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

int panda_set_not_dumpable(void) {
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int panda_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

// <linux/capability.h>, spelled out: the 64-bit (version 3) capset ABI.
#define PANDA_CAPABILITY_VERSION_3 0x20080522
#define PANDA_CAP_CHOWN 0
#define PANDA_CAP_DAC_OVERRIDE 1
#define PANDA_CAP_KILL 5
#define PANDA_CAP_SETGID 6
#define PANDA_CAP_SETUID 7
struct panda_cap_header { unsigned int version; int pid; };
struct panda_cap_data { unsigned int effective, permitted, inheritable; };

// After the id switch: exactly the capabilities a pilot needs to run
// payloads as another user (switch ids, hand over and enter the work
// directory the payload owns, end what it leaves), effective, permitted,
// inheritable and ambient,
// so they survive execve (PR_SET_KEEPCAPS kept them through a switch away
// from root; a non-root parent with them ambient keeps them anyway).
// After the id switch, keeping nothing: a parent that holds capabilities
// (the factory's unit, a pilot that switches) would otherwise pass its
// inheritable set on, which a program with file capabilities could turn
// back into permitted ones.
static int child_drop_capabilities(void) {
    struct panda_cap_header header = { PANDA_CAPABILITY_VERSION_3, 0 };
    struct panda_cap_data data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
    return (int)syscall(SYS_capset, &header, data);
}

static int child_keep_switch_capabilities(void) {
    const int kept[] = { PANDA_CAP_CHOWN, PANDA_CAP_DAC_OVERRIDE, PANDA_CAP_KILL, PANDA_CAP_SETGID, PANDA_CAP_SETUID };
    unsigned int mask = 0;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) mask |= 1u << kept[i];
    struct panda_cap_header header = { PANDA_CAPABILITY_VERSION_3, 0 };
    struct panda_cap_data data[2] = { { mask, mask, mask }, { 0, 0, 0 } };
    if (syscall(SYS_capset, &header, data) != 0) return -1;
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, kept[i], 0, 0) != 0) return -1;
    }
    return 0;
}

// Reports the failing step's errno to the parent through the close-on-exec
// pipe and ends the child; only async-signal-safe calls from here on.
static void child_fail(int report) {
    int code = errno;
    while (write(report, &code, sizeof code) < 0 && errno == EINTR) {}
    _exit(127);
}

static void child_close_from_3_except(int keep) {
    // close_range(2) when the kernel has it, else one close per descriptor.
    if (keep > 3 && syscall(SYS_close_range, 3, keep - 1, 0) != 0) {
        for (int fd = 3; fd < keep; fd++) close(fd);
    }
    if (syscall(SYS_close_range, keep + 1, ~0U, 0) != 0) {
        struct rlimit limit;
        long last = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY ? (long)limit.rlim_cur : 65536;
        for (long fd = keep + 1; fd < last; fd++) close((int)fd);
    }
}

static int child_open_onto(const char *path, int flags, int target) {
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (fd == target) return fcntl(fd, F_SETFD, 0);   // a closed stdio slot was reused
    if (dup2(fd, target) < 0) return -1;              // dup2 clears O_CLOEXEC on the copy
    close(fd);
    return 0;
}

static void child(const struct panda_spawn_request *r, int report) {
    // Default dispositions for every signal, then an empty mask: the parent
    // blocked everything around fork so no handler of its runs here.
    struct sigaction defaults = {0};
    defaults.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &defaults, NULL);
    }
    if (setpgid(0, 0) != 0) child_fail(report);
    // Files and directory are opened with the parent's rights (like a shell
    // redirection before sudo): the caller decides where the output goes.
    if (child_open_onto(r->stdin_path, O_RDONLY, 0) != 0) child_fail(report);
    if (child_open_onto(r->stdout_path, r->output_flags, 1) != 0) child_fail(report);
    if (r->stderr_path == NULL) {
        if (dup2(1, 2) < 0) child_fail(report);
    } else if (child_open_onto(r->stderr_path, r->output_flags, 2) != 0) {
        child_fail(report);
    }
    if (r->directory != NULL && chdir(r->directory) != 0) child_fail(report);
    child_close_from_3_except(report);
    // Raw system calls: glibc's set*id wrappers signal every thread of the
    // process, which after fork is only this one, but stay off that path.
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);   // EINVAL on old kernels: nothing to clear
    if (r->keep_switch_capabilities && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) child_fail(report);
    if (syscall(SYS_setgroups, r->group_count, r->groups) != 0) child_fail(report);
    if (syscall(SYS_setresgid, r->gid, r->gid, r->gid) != 0) child_fail(report);
    if (syscall(SYS_setresuid, r->uid, r->uid, r->uid) != 0) child_fail(report);
    if (r->keep_switch_capabilities ? child_keep_switch_capabilities() != 0 : child_drop_capabilities() != 0) child_fail(report);
    // Never run a payload with ids it was not meant to have.
    if (getuid() != r->uid || geteuid() != r->uid || getgid() != r->gid || getegid() != r->gid) {
        errno = EPERM;
        child_fail(report);
    }
    if (r->umask >= 0) umask((mode_t)r->umask);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(r->path, r->argv, r->envp);
    child_fail(report);
}

int panda_spawn_as(const struct panda_spawn_request *request, pid_t *pid) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return errno;
    sigset_t all, saved;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
    pid_t child_pid = fork();
    if (child_pid == 0) {
        close(pipe_fds[0]);
        child(request, pipe_fds[1]);
    }
    int fork_error = errno;
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    close(pipe_fds[1]);
    if (child_pid < 0) {
        close(pipe_fds[0]);
        return fork_error;
    }
    // execve closes the pipe (EOF, success); a failing step writes its errno.
    int code = 0;
    ssize_t got;
    while ((got = read(pipe_fds[0], &code, sizeof code)) < 0 && errno == EINTR) {}
    close(pipe_fds[0]);
    if (got == (ssize_t)sizeof code) {
        int status;
        while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR) {}
        return code != 0 ? code : EIO;
    }
    *pid = child_pid;
    return 0;
}
