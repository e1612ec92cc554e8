/*
 * search/_rank.c: FTS5's bm25, with each row's token count remembered.
 *
 * FTS5's own bm25() reads the row's size from the %_docsize table for every hit: one
 * b-tree lookup per row, about four fifths of its cost. Rows of the union catalog index
 * never change in place (an update is a delete and an insert under a new rowid, see
 * sqlite_fts.upsert_drafted), so a row's token count can be remembered for the life of
 * the process. unioncat_bm25() computes the same score as bm25() with the same arguments,
 * operation for operation, so the order of hits is identical; it only looks the size up
 * the first time it meets a row.
 *
 * The counts live in a RowLengths object, one per index file and process, shared by its
 * connections (FTS5 calls run with the GIL released, from several threads at once: the
 * table grows under a mutex, slots are atomics).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <string.h>

#define CHUNK_BITS 16
#define CHUNK_ROWS (1 << CHUNK_BITS)
#define MAX_CHUNKS (1 << 14) /* rowids from 2^30 on are looked up every time */

typedef struct {
    atomic_int refs; /* the Python object plus one per connection it is attached to */
    pthread_mutex_t grow;
    _Atomic(atomic_int *) chunks[MAX_CHUNKS]; /* slot = tokens + 1; 0 = not known yet */
} Lengths;

static Lengths *lengths_new(void) {
    Lengths *lens = calloc(1, sizeof(Lengths));
    if (lens == NULL) return NULL;
    atomic_init(&lens->refs, 1);
    pthread_mutex_init(&lens->grow, NULL);
    return lens;
}

static void lengths_release(void *p) {
    Lengths *lens = p;
    if (atomic_fetch_sub(&lens->refs, 1) != 1) return;
    for (int i = 0; i < MAX_CHUNKS; i++) free(atomic_load(&lens->chunks[i]));
    pthread_mutex_destroy(&lens->grow);
    free(lens);
}

static atomic_int *chunk_for(Lengths *lens, sqlite3_int64 rowid, int create) {
    int at = (int)(rowid >> CHUNK_BITS);
    atomic_int *chunk = atomic_load_explicit(&lens->chunks[at], memory_order_acquire);
    if (chunk != NULL || !create) return chunk;
    pthread_mutex_lock(&lens->grow);
    chunk = atomic_load_explicit(&lens->chunks[at], memory_order_acquire);
    if (chunk == NULL) {
        chunk = calloc(CHUNK_ROWS, sizeof(atomic_int));
        if (chunk != NULL) atomic_store_explicit(&lens->chunks[at], chunk, memory_order_release);
    }
    pthread_mutex_unlock(&lens->grow);
    return chunk;
}

/* The row's token count over all columns, as xColumnSize(-1) gives it. */
static int row_tokens(const Fts5ExtensionApi *api, Fts5Context *fts, Lengths *lens, int *out) {
    sqlite3_int64 rowid = api->xRowid(fts);
    int kept = rowid >= 0 && rowid < (sqlite3_int64)MAX_CHUNKS * CHUNK_ROWS;
    atomic_int *chunk = kept ? chunk_for(lens, rowid, 0) : NULL;
    if (chunk != NULL) {
        int slot = atomic_load_explicit(&chunk[rowid & (CHUNK_ROWS - 1)], memory_order_relaxed);
        if (slot > 0) {
            *out = slot - 1;
            return SQLITE_OK;
        }
    }
    int rc = api->xColumnSize(fts, -1, out);
    if (rc == SQLITE_OK && kept && *out >= 0 && *out < INT32_MAX) {
        chunk = chunk != NULL ? chunk : chunk_for(lens, rowid, 1);
        if (chunk != NULL)
            atomic_store_explicit(&chunk[rowid & (CHUNK_ROWS - 1)], *out + 1,
                                  memory_order_relaxed);
    }
    return rc;
}

/* Per-query figures, as bm25 computes them once per query: average row length and
 * each phrase's IDF, followed by room for the phrase frequencies of the current row. */
typedef struct {
    int phrases;
    double avgdl;
    double *idf;
    double *freq;
} Query;

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *n) {
    (void)api;
    (void)fts;
    (*(sqlite3_int64 *)n)++;
    return SQLITE_OK;
}

static int query_figures(const Fts5ExtensionApi *api, Fts5Context *fts, Query **out) {
    Query *q = api->xGetAuxdata(fts, 0);
    if (q != NULL) {
        *out = q;
        return SQLITE_OK;
    }
    int phrases = api->xPhraseCount(fts);
    q = sqlite3_malloc64(sizeof(Query) + (sqlite3_uint64)phrases * 2 * sizeof(double));
    if (q == NULL) return SQLITE_NOMEM;
    memset(q, 0, sizeof(Query) + (size_t)phrases * 2 * sizeof(double));
    q->phrases = phrases;
    q->idf = (double *)&q[1];
    q->freq = &q->idf[phrases];
    sqlite3_int64 rows = 0, tokens = 0;
    int rc = api->xRowCount(fts, &rows);
    if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
    if (rc == SQLITE_OK) q->avgdl = (double)tokens / (double)rows;
    for (int i = 0; rc == SQLITE_OK && i < phrases; i++) {
        sqlite3_int64 hits = 0;
        rc = api->xQueryPhrase(fts, i, &hits, count_hit);
        double idf = log((rows - hits + 0.5) / (hits + 0.5));
        q->idf[i] = idf <= 0.0 ? 1e-6 : idf; /* bm25's floor for very common phrases */
    }
    if (rc == SQLITE_OK) rc = api->xSetAuxdata(fts, q, sqlite3_free);
    else sqlite3_free(q);
    *out = rc == SQLITE_OK ? q : NULL;
    return rc;
}

/* unioncat_bm25(fts, weight...): bm25(fts, weight...) with remembered row sizes.
 * Each phrase's instances are read with xPhraseFirst/xPhraseNext rather than
 * xInstCount/xInst, which first gather every phrase's instances into one array sorted by
 * position: the same instances, and each phrase's frequency sums its own in the same
 * order, so the scores are equal to the last bit (tested against bm25()). */
static void unioncat_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                          int nval, sqlite3_value **val) {
    const double k1 = 1.2, b = 0.75;
    Query *q = NULL;
    int rc = query_figures(api, fts, &q), tokens = 0;
    for (int i = 0; rc == SQLITE_OK && i < q->phrases; i++) {
        Fts5PhraseIter iter;
        int column = -1, offset = 0;
        double freq = 0.0;
        rc = api->xPhraseFirst(fts, i, &iter, &column, &offset);
        for (; rc == SQLITE_OK && column >= 0; api->xPhraseNext(fts, &iter, &column, &offset))
            freq += nval > column ? sqlite3_value_double(val[column]) : 1.0;
        q->freq[i] = freq;
    }
    if (rc == SQLITE_OK) rc = row_tokens(api, fts, api->xUserData(fts), &tokens);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double score = 0.0, D = (double)tokens;
    for (int i = 0; i < q->phrases; i++)
        score += q->idf[i] * ((q->freq[i] * (k1 + 1.0)) /
                              (q->freq[i] + k1 * (1 - b + b * D / q->avgdl)));
    sqlite3_result_double(ctx, -1.0 * score);
}

/* One SQLite varint (as FTS5 writes them in %_docsize) at *at, moving past it. */
static sqlite3_uint64 read_varint(const unsigned char **at, const unsigned char *end) {
    sqlite3_uint64 value = 0;
    for (int i = 0; i < 9 && *at < end; i++) {
        unsigned char byte = *(*at)++;
        if (i == 8) return (value << 8) | byte;
        value = (value << 7) | (byte & 0x7f);
        if (!(byte & 0x80)) break;
    }
    return value;
}

/* ---- unioncat_top: a count and the first k hits in one pass ---------------------- */

/* One hit as ORDER BY exact DESC, score, rowid sorts it (NULL scores first, as SQLite
 * sorts NULL before any number; bm25 gives NULL only for a NaN). */
typedef struct {
    sqlite3_int64 rowid;
    double score;
    int exact;
    int has_score;
} Hit;

typedef struct {
    int k, n;
    Hit *hits; /* the best n so far, best first */
} Top;

static int hit_before(const Hit *a, const Hit *b) {
    if (a->exact != b->exact) return a->exact > b->exact;
    if (a->has_score != b->has_score) return !a->has_score;
    if (a->has_score && a->score != b->score) return a->score < b->score;
    return a->rowid < b->rowid;
}

/* Start keeping the first k hits (k from the aggregate's first argument). */
static int top_open(Top *top, sqlite3_value *k_arg) {
    if (top->hits != NULL) return SQLITE_OK;
    int k = sqlite3_value_int(k_arg);
    top->k = k > 0 ? k : 0;
    top->hits = sqlite3_malloc64(sizeof(Hit) * (sqlite3_uint64)(top->k + 1));
    return top->hits != NULL ? SQLITE_OK : SQLITE_NOMEM;
}

/* Keep ``hit`` if it is among the k first so far (insertion into the sorted array). */
static void top_add(Top *top, const Hit *hit) {
    if (top->n == top->k && (top->k == 0 || !hit_before(hit, &top->hits[top->n - 1]))) return;
    int at = top->n < top->k ? top->n++ : top->n - 1;
    for (; at > 0 && hit_before(hit, &top->hits[at - 1]); at--) top->hits[at] = top->hits[at - 1];
    top->hits[at] = *hit;
}

/* The kept rowids, best first, as native 64-bit integers, as the aggregate's result. */
static void top_result(sqlite3_context *ctx, Top *top) {
    if (top->n == 0) {
        sqlite3_result_zeroblob(ctx, 0);
        return;
    }
    sqlite3_int64 *rowids = sqlite3_malloc64(sizeof(sqlite3_int64) * (sqlite3_uint64)top->n);
    if (rowids == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (int i = 0; i < top->n; i++) rowids[i] = top->hits[i].rowid;
    sqlite3_result_blob(ctx, rowids, (int)(sizeof(sqlite3_int64) * (size_t)top->n), sqlite3_free);
}

/* unioncat_top(k, rowid, exact, score): step of an aggregate that keeps the k first hits
 * in that order. Beside count(*) it gives what a count pass and a ranked top-k pass gave,
 * from one pass over the MATCH; each hit is ranked once either way. */
static void top_step(sqlite3_context *ctx, int nval, sqlite3_value **val) {
    (void)nval;
    Top *top = sqlite3_aggregate_context(ctx, sizeof(Top));
    if (top == NULL || top_open(top, val[0]) != SQLITE_OK) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    Hit hit = {sqlite3_value_int64(val[1]), sqlite3_value_double(val[3]),
               sqlite3_value_int(val[2]) != 0, sqlite3_value_type(val[3]) != SQLITE_NULL};
    top_add(top, &hit);
}

/* The kept rowids (NULL when nothing matched). */
static void top_final(sqlite3_context *ctx) {
    Top *top = sqlite3_aggregate_context(ctx, 0);
    if (top == NULL || top->hits == NULL) return;
    top_result(ctx, top);
    sqlite3_free(top->hits);
    top->hits = NULL;
}

/* ---- one phrase: bm25 with its IDF worked out after the pass ------------------------
 *
 * bm25's IDF needs the number of rows matching each phrase, which FTS5 counts with
 * xQueryPhrase: a second full pass over the phrase's rows, as costly as the ranking pass.
 * For a MATCH of one phrase and nothing else in the WHERE, that number is the count of
 * the ranking pass itself. So unioncat_tf gives each row bm25's term-frequency factor,
 * unioncat_tf_top keeps every (rowid, factor) and, at the end, with the count known,
 * scores them exactly as unioncat_bm25 would (same operations on the same doubles) and
 * keeps the k first. */

typedef struct {
    double avgdl;
} TfQuery;

/* unioncat_tf(fts, weight...): bm25's per-row factor of the MATCH's one phrase,
 * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)), as unioncat_bm25 computes it. */
static void unioncat_tf(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                        int nval, sqlite3_value **val) {
    const double k1 = 1.2, b = 0.75;
    if (api->xPhraseCount(fts) != 1) {
        sqlite3_result_error(ctx, "unioncat_tf() needs a MATCH of one phrase", -1);
        return;
    }
    TfQuery *q = api->xGetAuxdata(fts, 0);
    int rc = SQLITE_OK, tokens = 0;
    if (q == NULL) {
        sqlite3_int64 rows = 0, total = 0;
        rc = api->xRowCount(fts, &rows);
        if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &total);
        if (rc == SQLITE_OK) rc = (q = sqlite3_malloc(sizeof(TfQuery))) != NULL ? SQLITE_OK : SQLITE_NOMEM;
        if (rc == SQLITE_OK) {
            q->avgdl = (double)total / (double)rows;
            rc = api->xSetAuxdata(fts, q, sqlite3_free); /* frees q itself if it fails */
        }
    }
    Fts5PhraseIter iter;
    int column = -1, offset = 0;
    double freq = 0.0;
    if (rc == SQLITE_OK) rc = api->xPhraseFirst(fts, 0, &iter, &column, &offset);
    for (; rc == SQLITE_OK && column >= 0; api->xPhraseNext(fts, &iter, &column, &offset))
        freq += nval > column ? sqlite3_value_double(val[column]) : 1.0;
    if (rc == SQLITE_OK) rc = row_tokens(api, fts, api->xUserData(fts), &tokens);
    if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    double D = (double)tokens;
    sqlite3_result_double(ctx, (freq * (k1 + 1.0)) / (freq + k1 * (1 - b + b * D / q->avgdl)));
}

typedef struct {
    sqlite3_int64 rowid;
    double tf;
    int exact, has_tf;
} Scored;

typedef struct {
    sqlite3_int64 n, size, rows;
    Scored *all;
    int k;
} TfTop;

/* unioncat_tf_top(k, rowid, exact, tf, rows): step; rows is the table's row count. */
static void tf_top_step(sqlite3_context *ctx, int nval, sqlite3_value **val) {
    (void)nval;
    TfTop *acc = sqlite3_aggregate_context(ctx, sizeof(TfTop));
    if (acc == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (acc->n == acc->size) {
        sqlite3_int64 size = acc->size ? 2 * acc->size : 256;
        Scored *all = sqlite3_realloc64(acc->all, sizeof(Scored) * (sqlite3_uint64)size);
        if (all == NULL) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
        acc->all = all, acc->size = size;
    }
    if (acc->n == 0) {
        int k = sqlite3_value_int(val[0]);
        acc->k = k > 0 ? k : 0;
        acc->rows = sqlite3_value_int64(val[4]);
    }
    Scored *row = &acc->all[acc->n++];
    row->rowid = sqlite3_value_int64(val[1]);
    row->exact = sqlite3_value_int(val[2]) != 0;
    row->has_tf = sqlite3_value_type(val[3]) != SQLITE_NULL;
    row->tf = sqlite3_value_double(val[3]);
}

/* Score every kept row as unioncat_bm25 does (IDF from the count, floored like bm25's),
 * keep the k first as unioncat_top does, and give their rowids. */
static void tf_top_final(sqlite3_context *ctx) {
    TfTop *acc = sqlite3_aggregate_context(ctx, 0);
    if (acc == NULL || acc->all == NULL) return;
    sqlite3_int64 rows = acc->rows, hits = acc->n;
    double idf = log((rows - hits + 0.5) / (hits + 0.5));
    idf = idf <= 0.0 ? 1e-6 : idf;
    Top top = {0, 0, NULL};
    top.k = acc->k;
    top.hits = sqlite3_malloc64(sizeof(Hit) * (sqlite3_uint64)(top.k + 1));
    if (top.hits == NULL) {
        sqlite3_result_error_nomem(ctx);
    } else {
        for (sqlite3_int64 i = 0; i < acc->n; i++) {
            const Scored *row = &acc->all[i];
            double score = 0.0;
            score += idf * row->tf;
            score = -1.0 * score;
            /* SQLite turns a NaN result into NULL, which sorts first */
            Hit hit = {row->rowid, score, row->exact, row->has_tf && !isnan(score)};
            top_add(&top, &hit);
        }
        top_result(ctx, &top);
        sqlite3_free(top.hits);
    }
    sqlite3_free(acc->all);
    acc->all = NULL;
}

/* unioncat_rows(block): the row count at the head of FTS5's averages record (%_data
 * row 1), the figure xRowCount gives. */
static void unioncat_rows(sqlite3_context *ctx, int nval, sqlite3_value **val) {
    (void)nval;
    const unsigned char *at = sqlite3_value_blob(val[0]);
    const unsigned char *end = at + sqlite3_value_bytes(val[0]);
    sqlite3_result_int64(ctx, at != NULL && at < end ? (sqlite3_int64)read_varint(&at, end) : 0);
}

/* ---- Python side ------------------------------------------------------------------- */

/* The start of CPython's sqlite3.Connection (Modules/_sqlite/connection.h, 3.11-3.13):
 * the database handle follows the object header. sqlite_rank checks the Python version. */
typedef struct {
    PyObject_HEAD
    sqlite3 *db;
} ConnectionHead;

typedef struct {
    PyObject_HEAD
    Lengths *lens;
} RowLengths;

static fts5_api *fts5_of(sqlite3 *db) {
    fts5_api *api = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return api != NULL && api->iVersion >= 2 ? api : NULL;
}

/* The database handle of a sqlite3.Connection (NULL with an exception set if it is not
 * one or is closed). */
static sqlite3 *connection_db(PyObject *conn) {
    PyObject *sqlite3_module = PyImport_ImportModule("sqlite3");
    if (sqlite3_module == NULL) return NULL;
    PyObject *type = PyObject_GetAttrString(sqlite3_module, "Connection");
    Py_DECREF(sqlite3_module);
    if (type == NULL) return NULL;
    int is_conn = PyObject_IsInstance(conn, type);
    Py_DECREF(type);
    if (is_conn <= 0) {
        if (is_conn == 0) PyErr_SetString(PyExc_TypeError, "expected a sqlite3.Connection");
        return NULL;
    }
    sqlite3 *db = ((ConnectionHead *)conn)->db;
    if (db == NULL) PyErr_SetString(PyExc_ValueError, "the connection is closed");
    return db;
}

static PyObject *row_lengths_attach(RowLengths *self, PyObject *conn) {
    sqlite3 *db = connection_db(conn);
    if (db == NULL) return NULL;
    fts5_api *api = fts5_of(db);
    if (api == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "this SQLite connection offers no FTS5 API");
        return NULL;
    }
    if (sqlite3_create_function_v2(db, "unioncat_top", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   NULL, top_step, top_final, NULL) != SQLITE_OK) {
        PyErr_SetString(PyExc_RuntimeError, "SQLite refused the unioncat_top function");
        return NULL;
    }
    if (sqlite3_create_function_v2(db, "unioncat_tf_top", 5, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, NULL, tf_top_step, tf_top_final, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "unioncat_rows", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, unioncat_rows, NULL, NULL, NULL) != SQLITE_OK) {
        PyErr_SetString(PyExc_RuntimeError, "SQLite refused the unioncat_tf_top function");
        return NULL;
    }
    fts5_extension_function functions[] = {unioncat_bm25, unioncat_tf};
    const char *names[] = {"unioncat_bm25", "unioncat_tf"};
    for (int i = 0; i < 2; i++) {
        atomic_fetch_add(&self->lens->refs, 1);
        if (api->xCreateFunction(api, names[i], self->lens, functions[i], lengths_release) !=
            SQLITE_OK) {
            lengths_release(self->lens);
            PyErr_Format(PyExc_RuntimeError, "FTS5 refused the %s function", names[i]);
            return NULL;
        }
    }
    Py_RETURN_NONE;
}

/* Remember the size of every row now, from one scan of %_docsize (a row's record holds
 * one varint per column, all indexed here) instead of one lookup per row at query time. */
static PyObject *row_lengths_warm(RowLengths *self, PyObject *args) {
    PyObject *conn;
    const char *table;
    if (!PyArg_ParseTuple(args, "Os", &conn, &table)) return NULL;
    sqlite3 *db = connection_db(conn);
    if (db == NULL) return NULL;
    char *sql = sqlite3_mprintf("SELECT id, sz FROM \"%w_docsize\"", table);
    sqlite3_stmt *stmt = NULL;
    int rc = sql != NULL ? sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    long long rows = 0;
    Py_BEGIN_ALLOW_THREADS
    while (rc == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        sqlite3_int64 rowid = sqlite3_column_int64(stmt, 0);
        const unsigned char *at = sqlite3_column_blob(stmt, 1);
        const unsigned char *end = at + sqlite3_column_bytes(stmt, 1);
        sqlite3_uint64 tokens = 0;
        while (at != NULL && at < end) tokens += read_varint(&at, end);
        atomic_int *chunk = rowid >= 0 && rowid < (sqlite3_int64)MAX_CHUNKS * CHUNK_ROWS &&
                                    tokens < INT32_MAX ? chunk_for(self->lens, rowid, 1) : NULL;
        if (chunk != NULL) {
            atomic_store_explicit(&chunk[rowid & (CHUNK_ROWS - 1)], (int)tokens + 1,
                                  memory_order_relaxed);
            rows++;
        }
    }
    Py_END_ALLOW_THREADS
    if (stmt != NULL) sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) {
        PyErr_Format(PyExc_RuntimeError, "cannot read %s_docsize: %s", table, sqlite3_errstr(rc));
        return NULL;
    }
    return PyLong_FromLongLong(rows);
}

static PyObject *row_lengths_known(RowLengths *self, PyObject *unused) {
    (void)unused;
    long long known = 0;
    for (int i = 0; i < MAX_CHUNKS; i++) {
        atomic_int *chunk = atomic_load(&self->lens->chunks[i]);
        for (int j = 0; chunk != NULL && j < CHUNK_ROWS; j++) known += atomic_load(&chunk[j]) > 0;
    }
    return PyLong_FromLongLong(known);
}

static PyObject *row_lengths_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    (void)args;
    (void)kwds;
    RowLengths *self = (RowLengths *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->lens = lengths_new();
    if (self->lens == NULL) {
        Py_DECREF(self);
        return PyErr_NoMemory();
    }
    return (PyObject *)self;
}

static void row_lengths_dealloc(RowLengths *self) {
    if (self->lens != NULL) lengths_release(self->lens);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef row_lengths_methods[] = {
    {"attach", (PyCFunction)row_lengths_attach, METH_O,
     "Register unioncat_bm25() (row sizes remembered here) and unioncat_top() on this connection."},
    {"warm", (PyCFunction)row_lengths_warm, METH_VARARGS,
     "warm(conn, fts_table): remember every row's size now; returns the rows read."},
    {"known", (PyCFunction)row_lengths_known, METH_NOARGS,
     "How many rows' token counts are remembered."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RowLengthsType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "search._rank.RowLengths",
    .tp_basicsize = sizeof(RowLengths),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Token counts of an FTS5 index's rows, shared by the connections to it.",
    .tp_new = row_lengths_new,
    .tp_dealloc = (destructor)row_lengths_dealloc,
    .tp_methods = row_lengths_methods,
};

static PyObject *linked_version(PyObject *module, PyObject *unused) {
    (void)module;
    (void)unused;
    return PyUnicode_FromString(sqlite3_libversion());
}

static PyMethodDef module_methods[] = {
    {"sqlite_version", linked_version, METH_NOARGS, "The SQLite library this module calls."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef rank_module = {
    PyModuleDef_HEAD_INIT, "search._rank", "bm25 with remembered row sizes (see _rank.c).", -1,
    module_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__rank(void) {
    if (PyType_Ready(&RowLengthsType) < 0) return NULL;
    PyObject *module = PyModule_Create(&rank_module);
    if (module == NULL) return NULL;
    /* what attach registers, so that Python never names a function a stale build lacks */
    PyObject *functions = Py_BuildValue("(ssss)", "unioncat_bm25", "unioncat_top", "unioncat_tf",
                                        "unioncat_tf_top");
    if (functions == NULL || PyModule_AddObject(module, "SQL_FUNCTIONS", functions) < 0) {
        Py_XDECREF(functions);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&RowLengthsType);
    if (PyModule_AddObject(module, "RowLengths", (PyObject *)&RowLengthsType) < 0) {
        Py_DECREF(&RowLengthsType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
