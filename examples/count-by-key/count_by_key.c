/* count-by-key: a streamsubmit application in C. It counts records and value bytes per key
 * and keeps the totals in one file, updated exactly once per batch:
 *
 *   streamsubmit [options] count-by-key.so COUNTS_FILE
 *
 * COUNTS_FILE holds "batch <id>" (the last batch applied), then "<records> <bytes> <key>" per
 * key (non-printable key bytes as \xHH, a null key as \N). process() tallies a batch in memory;
 * commit() adds the tallies to the totals and replaces the file atomically (temporary file,
 * fsync, rename, directory fsync). A batch streamsubmit re-runs after a crash has the same id:
 * when the file already has it, commit() leaves the totals alone, so each record counts once. */
#include <streamsubmit/plugin.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a small hash table: key bytes -> (records, bytes) ---- */

typedef struct entry {
    char *key; /* NULL: the slot is free */
    size_t key_len;
    int null_key;
    int64_t records, bytes;
} entry;

typedef struct table {
    entry *slots;
    size_t capacity, size; /* capacity is a power of two */
} table;

static uint64_t hash_key(const void *key, size_t len, int null_key) {
    uint64_t h = null_key ? 0x9e3779b97f4a7c15ull : 0xcbf29ce484222325ull; /* FNV-1a */
    for (size_t i = 0; i < len; ++i) h = (h ^ ((const unsigned char *)key)[i]) * 0x100000001b3ull;
    return h;
}

static entry *find_slot(entry *slots, size_t capacity, const void *key, size_t len, int null_key) {
    for (size_t i = hash_key(key, len, null_key) & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
        entry *e = &slots[i];
        if (!e->key || (e->null_key == null_key && e->key_len == len && memcmp(e->key, key, len) == 0)) return e;
    }
}

static int grow(table *t) {
    const size_t capacity = t->capacity ? t->capacity * 2 : 64;
    entry *slots = calloc(capacity, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < t->capacity; ++i)
        if (t->slots[i].key) *find_slot(slots, capacity, t->slots[i].key, t->slots[i].key_len, t->slots[i].null_key) = t->slots[i];
    free(t->slots);
    t->slots = slots;
    t->capacity = capacity;
    return 0;
}

static int add(table *t, const void *key, size_t len, int null_key, int64_t records, int64_t bytes) {
    if ((t->size + 1) * 2 > t->capacity && grow(t) != 0) return -1;
    entry *e = find_slot(t->slots, t->capacity, key, len, null_key);
    if (!e->key) {
        e->key = malloc(len + 1); /* +1: a zero-length key still gets a non-NULL pointer */
        if (!e->key) return -1;
        if (len) memcpy(e->key, key, len);
        e->key_len = len;
        e->null_key = null_key;
        ++t->size;
    }
    e->records += records;
    e->bytes += bytes;
    return 0;
}

static void clear(table *t) {
    for (size_t i = 0; i < t->capacity; ++i) free(t->slots[i].key);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

/* ---- the application ---- */

struct ss_app {
    char *path;             /* COUNTS_FILE */
    int64_t applied_batch;  /* the last batch in the file, -1 when none */
    table totals;
    pthread_mutex_t lock;   /* process() runs on several reader threads at once */
    int64_t pending_batch;  /* the batch `pending` belongs to */
    table pending;
    const ss_host_api *host;
};

static ss_status fail(ss_error *err, ss_status status, const char *what, const char *path) {
    char message[sizeof err->message];
    snprintf(message, sizeof message, "count-by-key: %s %s: %s", what, path, strerror(errno));
    return ss_error_set(err, status, message);
}

static int parse_key(const char *text, char *out, size_t *len) {
    size_t n = 0;
    for (const char *p = text; *p; ++p) {
        if (p[0] == '\\' && p[1] == 'x' && p[2] && p[3]) {
            char hex[3] = {p[2], p[3], 0};
            out[n++] = (char)strtol(hex, NULL, 16);
            p += 3;
        } else {
            out[n++] = *p;
        }
    }
    *len = n;
    return 0;
}

/* Reads COUNTS_FILE when it exists: the totals and the last batch applied. */
static ss_status load(ss_app *app, ss_error *err) {
    FILE *f = fopen(app->path, "r");
    if (!f) {
        if (errno == ENOENT) return SS_OK;
        return fail(err, SS_ERR_CONFIG, "cannot read", app->path);
    }
    char line[8192];
    ss_status status = SS_OK;
    if (!fgets(line, sizeof line, f) || sscanf(line, "batch %" SCNd64, &app->applied_batch) != 1) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "count-by-key: %s is not a counts file", app->path);
        status = ss_error_set(err, SS_ERR_CONFIG, message);
    }
    while (status == SS_OK && fgets(line, sizeof line, f)) {
        int64_t records, bytes;
        int used = 0;
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "%" SCNd64 " %" SCNd64 " %n", &records, &bytes, &used) != 2) continue;
        char key[8192];
        size_t len = 0;
        const int null_key = strcmp(line + used, "\\N") == 0;
        if (!null_key) parse_key(line + used, key, &len);
        if (add(&app->totals, key, len, null_key, records, bytes) != 0) status = fail(err, SS_ERR_INTERNAL, "out of memory reading", app->path);
    }
    fclose(f);
    return status;
}

static void write_key(FILE *f, const entry *e) {
    if (e->null_key) {
        fputs("\\N", f);
        return;
    }
    for (size_t i = 0; i < e->key_len; ++i) {
        const unsigned char c = (unsigned char)e->key[i];
        if (c > 0x20 && c < 0x7f && c != '\\')
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
}

/* Replaces COUNTS_FILE with the totals as of `batch`: complete under its name, or not at all. */
static ss_status save(ss_app *app, int64_t batch, ss_error *err) {
    char temp[4096];
    snprintf(temp, sizeof temp, "%s.tmp", app->path);
    FILE *f = fopen(temp, "w");
    if (!f) return fail(err, SS_ERR_INTERNAL, "cannot create", temp);
    fprintf(f, "batch %" PRId64 "\n", batch);
    for (size_t i = 0; i < app->totals.capacity; ++i) {
        const entry *e = &app->totals.slots[i];
        if (!e->key) continue;
        fprintf(f, "%" PRId64 " %" PRId64 " ", e->records, e->bytes);
        write_key(f, e);
        fputc('\n', f);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
        fclose(f);
        return fail(err, SS_ERR_INTERNAL, "cannot write", temp);
    }
    if (fclose(f) != 0) return fail(err, SS_ERR_INTERNAL, "cannot write", temp);
    if (rename(temp, app->path) != 0) return fail(err, SS_ERR_INTERNAL, "cannot rename into place", app->path);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", app->path);
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = 0; else snprintf(dir, sizeof dir, ".");
    const int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0) close(fd);
        return fail(err, SS_ERR_INTERNAL, "cannot fsync the directory of", app->path);
    }
    close(fd);
    return SS_OK;
}

static void destroy(ss_app *app) {
    if (!app) return;
    clear(&app->totals);
    clear(&app->pending);
    pthread_mutex_destroy(&app->lock);
    free(app->path);
    free(app);
}

static ss_status create(const ss_app_params *params, ss_app **out, ss_error *err) {
    if (params->arg_count != 1) {
        char message[sizeof err->message];
        snprintf(message, sizeof message, "count-by-key takes one argument, the counts file (got %zu)",
                 params->arg_count);
        return ss_error_set(err, SS_ERR_CONFIG, message);
    }
    ss_app *app = calloc(1, sizeof *app);
    if (!app || !(app->path = strdup(params->args[0]))) {
        free(app);
        return ss_error_set(err, SS_ERR_INTERNAL, "count-by-key: out of memory");
    }
    app->applied_batch = -1;
    app->pending_batch = -1;
    app->host = params->host;
    pthread_mutex_init(&app->lock, NULL);
    const ss_status st = load(app, err);
    if (st != SS_OK) {
        destroy(app);
        return st;
    }
    *out = app;
    return SS_OK;
}

static ss_status process(ss_app *app, const ss_batch *batch, const ss_offset_range *range, const ss_record *records,
                         size_t count, size_t stride, ss_error *err) {
    (void)range;
    pthread_mutex_lock(&app->lock);
    if (app->pending_batch != batch->id) { /* a new batch, or one re-run after abort */
        clear(&app->pending);
        app->pending_batch = batch->id;
    }
    ss_status status = SS_OK;
    for (size_t i = 0; i < count && status == SS_OK; ++i) {
        const ss_record *r = ss_const_at(ss_record, records, stride, i);
        if (add(&app->pending, r->key, r->key_len, r->key == NULL, 1, (int64_t)r->value_len) != 0)
            status = fail(err, SS_ERR_INTERNAL, "out of memory counting batch of", app->path);
    }
    pthread_mutex_unlock(&app->lock);
    return status;
}

static ss_status commit(ss_app *app, const ss_batch *batch, ss_error *err) {
    if (batch->id <= app->applied_batch) { /* re-run after a crash: already counted */
        clear(&app->pending);
        return SS_OK;
    }
    for (size_t i = 0; i < app->pending.capacity; ++i) {
        const entry *e = &app->pending.slots[i];
        if (e->key && add(&app->totals, e->key, e->key_len, e->null_key, e->records, e->bytes) != 0)
            return fail(err, SS_ERR_INTERNAL, "out of memory adding batch to", app->path);
    }
    clear(&app->pending);
    ss_status status = save(app, batch->id, err);
    if (status == SS_OK) app->applied_batch = batch->id;
    return status;
}

static void abort_batch(ss_app *app, const ss_batch *batch) {
    (void)batch;
    clear(&app->pending);
    /* totals may already hold a failed commit's tallies: read them back from the file */
    clear(&app->totals);
    app->applied_batch = -1;
    ss_error problem = {.struct_size = sizeof problem};
    if (load(app, &problem) != SS_OK && app->host && app->host->log)
        app->host->log(app->host->log_ctx, SS_LOG_WARN, problem.message);
}

/* No finish_range (nothing to do per range), no recover (streamsubmit's checkpoint decides
 * where to start), no keys (the counts file is the argument). */
static const ss_application_api application = {
    .struct_size = sizeof(ss_application_api),
    .create = create,
    .destroy = destroy,
    .process = process,
    .commit = commit,
    .abort = abort_batch,
};

STREAMSUBMIT_PLUGIN(.name = "count-by-key", .version = "1.0.0",
                    .description = "counts records and value bytes per key into a file, exactly once",
                    .application = &application)
