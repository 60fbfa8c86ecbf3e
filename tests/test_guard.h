/* test_guard.h — running what might block for ever (opening a FIFO nobody writes to, say)
 * in a forked child that alarm() kills, so that a test that would hang fails instead.
 *
 *   char out[4096];
 *   int status = GUARDED_RUN(out, 10, tpt_cmd_info, "info", fifo_path);
 *   ck_assert_int_eq(status, 1);                   // refused, and said why in `out`
 *
 * The child's stdout and stderr are captured into `out`; if the child dies of a signal
 * (SIGALRM when it blocked past the deadline, or any other), the test fails naming it.
 * The deadline is a guard against hanging, never a measurement: pass a generous one.
 * Everything is static inline; needs _POSIX_C_SOURCE 200809L, defined by the suite before
 * its first include. */
#ifndef TP_TEST_GUARD_H
#define TP_TEST_GUARD_H

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn(arg) in a forked child with its output captured into out (NUL-terminated) and
 * a deadline of `seconds`. @return fn's return value, the child's exit status. */
static inline int guarded_call(int (*fn)(void *), void *arg, unsigned seconds, char *out,
                               size_t out_size)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    ck_assert(child >= 0);
    if (child == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[1]);
        alarm(seconds);
        int status = fn(arg);
        fflush(stdout);
        fflush(stderr);
        _exit(status);
    }
    close(fds[1]);
    size_t n = 0;
    for (;;) {
        char sink[512];
        char *dst = n + 1 < out_size ? out + n : sink;
        size_t room = n + 1 < out_size ? out_size - 1 - n : sizeof sink;
        ssize_t got = read(fds[0], dst, room);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        if (dst == out + n)
            n += (size_t)got;
    }
    out[n] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(child, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    ck_assert_msg(!WIFSIGNALED(status), "the child died of signal %d%s; its output: %s",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0,
                  WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM
                      ? " (SIGALRM: it blocked past its deadline)"
                      : "",
                  out);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* A command and its arguments, for guarded_call(). */
typedef struct guarded_command {
    int (*cmd)(int, char **);
    char **argv;
} guarded_command;

static inline int guarded_command_run(void *arg)
{
    const guarded_command *c = arg;
    int argc = 0;
    while (c->argv[argc])
        argc++;
    return c->cmd(argc, c->argv);
}

/* Runs a terrapage command in a guarded child. @return its exit status. */
#define GUARDED_RUN(out, seconds, fn, ...)                                                 \
    guarded_call(guarded_command_run,                                                    \
                 &(guarded_command){fn, (char *[]){__VA_ARGS__, NULL}}, seconds, out,      \
                 sizeof out)

/* A pid that no process has: a child that has exited and been reaped. */
static inline pid_t dead_pid(void)
{
    pid_t child = fork();
    ck_assert(child >= 0);
    if (child == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    return child;
}

#endif /* TP_TEST_GUARD_H */
