/* bench_spawn STATS_FILE CMD [ARGS...]: runs CMD (stdin, stdout, stderr inherited), waits with
 * wait4 and writes "wall_seconds cpu_seconds maxrss_kib exit_code" to STATS_FILE.
 *
 * The runner (scripts/bench) is Python, and a process forked from Python reports Python's
 * peak RSS: Linux carries the pre-exec high-water mark into ru_maxrss. This small C parent
 * forks from a ~1 MiB image, so ru_maxrss is the command's own. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fputs("usage: bench_spawn STATS_FILE CMD [ARGS...]\n", stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench_spawn: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror("bench_spawn: exec");
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) {
        perror("bench_spawn: wait4");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror("bench_spawn: stats file");
        return 2;
    }
    fprintf(f, "%.9f %.6f %ld %d\n", wall, cpu, ru.ru_maxrss, rc);
    fclose(f);
    return rc;
}
