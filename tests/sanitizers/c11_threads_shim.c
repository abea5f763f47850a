/* TSan builds only (cmake/Sanitizers.cmake links it into the executables that load the
 * Kafka plugin): C11 <threads.h> routed through the pthread functions TSan intercepts.
 *
 * librdkafka 2.0.2 uses C11 threads. glibc implements thrd_create, mtx_lock, cnd_wait, ...
 * by calling its internal pthread functions directly, so the ThreadSanitizer runtime of
 * GCC 12 / LLVM 14 (which has no interceptors for them) never sees librdkafka's threads or
 * locks: the first malloc of a librdkafka thread crashes in TSan's allocator (no thread
 * state), and every lock-protected access looks like a race. Defined in the executable's
 * first libraries, these win symbol lookup for the dlopen'd plugin's librdkafka. glibc's
 * mtx_t / cnd_t / thrd_t are pthread_mutex_t / pthread_cond_t / pthread_t underneath.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <threads.h>

static int status(int rc) {
    return rc == 0 ? thrd_success : rc == ETIMEDOUT ? thrd_timedout : rc == EBUSY ? thrd_busy
         : rc == ENOMEM || rc == EAGAIN ? thrd_nomem : thrd_error;
}

struct trampoline {
    thrd_start_t func;
    void *arg;
};

static void *run(void *p) {
    struct trampoline t = *(struct trampoline *)p;
    free(p);
    return (void *)(intptr_t)t.func(t.arg); /* read back as int by thrd_join */
}

int thrd_create(thrd_t *thr, thrd_start_t func, void *arg) {
    struct trampoline *t = malloc(sizeof *t);
    if (!t) return thrd_nomem;
    t->func = func;
    t->arg = arg;
    const int rc = pthread_create(thr, NULL, run, t);
    if (rc != 0) free(t);
    return status(rc);
}

int thrd_join(thrd_t thr, int *res) {
    void *out = NULL;
    const int rc = pthread_join(thr, &out);
    if (rc == 0 && res) *res = (int)(intptr_t)out;
    return status(rc);
}

int thrd_detach(thrd_t thr) { return status(pthread_detach(thr)); }

int mtx_init(mtx_t *m, int type) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    const int rc = pthread_mutex_init((pthread_mutex_t *)m, &attr);
    pthread_mutexattr_destroy(&attr);
    return status(rc);
}
int mtx_lock(mtx_t *m) { return status(pthread_mutex_lock((pthread_mutex_t *)m)); }
int mtx_trylock(mtx_t *m) { return status(pthread_mutex_trylock((pthread_mutex_t *)m)); }
int mtx_timedlock(mtx_t *restrict m, const struct timespec *restrict ts) {
    return status(pthread_mutex_timedlock((pthread_mutex_t *)m, ts));
}
int mtx_unlock(mtx_t *m) { return status(pthread_mutex_unlock((pthread_mutex_t *)m)); }
void mtx_destroy(mtx_t *m) { pthread_mutex_destroy((pthread_mutex_t *)m); }

int cnd_init(cnd_t *c) { return status(pthread_cond_init((pthread_cond_t *)c, NULL)); }
int cnd_signal(cnd_t *c) { return status(pthread_cond_signal((pthread_cond_t *)c)); }
int cnd_broadcast(cnd_t *c) { return status(pthread_cond_broadcast((pthread_cond_t *)c)); }
int cnd_wait(cnd_t *c, mtx_t *m) { return status(pthread_cond_wait((pthread_cond_t *)c, (pthread_mutex_t *)m)); }
int cnd_timedwait(cnd_t *restrict c, mtx_t *restrict m, const struct timespec *restrict ts) {
    return status(pthread_cond_timedwait((pthread_cond_t *)c, (pthread_mutex_t *)m, ts));
}
void cnd_destroy(cnd_t *c) { pthread_cond_destroy((pthread_cond_t *)c); }
