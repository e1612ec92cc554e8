/*
 * normalizers/_marcxml.c: the MARCXML fields of a stored record, written in one pass.
 *
 * SRU answers ten MARCXML records per page; writing them field by field in Python cost
 * about 60 us a record, a quarter of a request. fields(directory, body) writes the
 * <controlfield>/<datafield> elements of a record in the common case only: valid UTF-8
 * without characters XML forbids (&, < and > are escaped), numeric control tags without
 * subfield delimiters, data fields with plain indicators and ASCII subfield codes that
 * need no escaping. For anything else it returns None and
 * normalizers/splice.py takes its Python path, which gives the same text for the common
 * case (tests compare the two on every fixture record).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

typedef struct {
    char *data;
    size_t size, used;
} Out;

static int put(Out *out, const void *bytes, size_t n) {
    if (out->used + n > out->size) {
        size_t size = (out->size + n) * 2;
        char *grown = PyMem_Realloc(out->data, size);
        if (grown == NULL) return -1;
        out->data = grown;
        out->size = size;
    }
    memcpy(out->data + out->used, bytes, n);
    out->used += n;
    return 0;
}

#define PUT_LITERAL(out, text) put((out), (text), sizeof(text) - 1)

static int ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A character XML 1.0 cannot carry at all (0x1e and 0x1f are the record's structure). */
static int forbidden(unsigned char c) {
    return c <= 0x08 || c == 0x0b || c == 0x0c || (c >= 0x0e && c <= 0x1d);
}

/* Character data with &, < and > escaped (quotes stay, as in marc.xml_text). */
static int put_text(Out *out, const char *s, size_t n) {
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *entity = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" : s[i] == '>' ? "&gt;"
                                                                                      : NULL;
        if (entity == NULL) continue;
        if (put(out, s + start, i - start) || put(out, entity, strlen(entity))) return -1;
        start = i + 1;
    }
    return put(out, s + start, n - start);
}

/* Valid UTF-8 without forbidden characters or U+FFFE/U+FFFF: what the Python path would
 * otherwise drop or replace. */
static int clean_utf8(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (forbidden(c)) return 0;
            i++;
            continue;
        }
        size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (c < 0xc2 || c > 0xf4 || i + len > n) return 0;
        unsigned long cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        int overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe ||
            cp == 0xffff)
            return 0;
        i += len;
    }
    return 1;
}

static int plain_indicator(unsigned char c) { return ascii_alnum(c) || c == ' '; }

static int control_field(Out *out, const char *tag, const char *raw, size_t n) {
    if (memchr(raw, 0x1f, n) != NULL) return 1;
    if (PUT_LITERAL(out, "<controlfield tag=\"") || put(out, tag, 3) || PUT_LITERAL(out, "\">") ||
        put_text(out, raw, n) || PUT_LITERAL(out, "</controlfield>"))
        return -1;
    return 0;
}

static int data_field(Out *out, const char *tag, const char *raw, size_t n) {
    if (n < 3 || raw[2] != 0x1f || !plain_indicator((unsigned char)raw[0]) ||
        !plain_indicator((unsigned char)raw[1]))
        return 1;
    if (PUT_LITERAL(out, "<datafield tag=\"") || put(out, tag, 3) ||
        PUT_LITERAL(out, "\" ind1=\"") || put(out, raw, 1) || PUT_LITERAL(out, "\" ind2=\"") ||
        put(out, raw + 1, 1) || PUT_LITERAL(out, "\">"))
        return -1;
    const char *at = raw + 3, *end = raw + n;
    while (at <= end) {
        const char *stop = memchr(at, 0x1f, (size_t)(end - at));
        stop = stop != NULL ? stop : end;
        if (stop > at) { /* empty subfields are skipped, as the Python path does */
            unsigned char code = (unsigned char)at[0];
            if (code >= 0x80 || code == '&' || code == '<' || code == '>' || code == '"')
                return 1; /* a code to escape or a non-ASCII one: Python's */
            if (PUT_LITERAL(out, "<subfield code=\"") || put(out, at, 1) ||
                PUT_LITERAL(out, "\">") || put_text(out, at + 1, (size_t)(stop - at - 1)) ||
                PUT_LITERAL(out, "</subfield>"))
                return -1;
        }
        at = stop + 1;
    }
    return PUT_LITERAL(out, "</datafield>") ? -1 : 0;
}

/* 0 written, 1 not the common case, -1 out of memory. */
static int write_fields(Out *out, const char *dir, size_t dir_len, const char *body,
                        size_t body_len) {
    if (dir_len % 12 || !clean_utf8((const unsigned char *)body, body_len)) return 1;
    size_t pos = 0;
    for (size_t entry = 0; entry < dir_len; entry += 12) {
        const char *tag = dir + entry;
        const char *stop = memchr(body + pos, 0x1e, body_len - pos);
        if (stop == NULL) return 1;
        size_t n = (size_t)(stop - (body + pos));
        int digits = tag[0] >= '0' && tag[0] <= '9' && tag[1] >= '0' && tag[1] <= '9' &&
                     tag[2] >= '0' && tag[2] <= '9';
        int alnum = ascii_alnum((unsigned char)tag[0]) && ascii_alnum((unsigned char)tag[1]) &&
                    ascii_alnum((unsigned char)tag[2]);
        int rc = memcmp(tag, "010", 3) < 0 ? (digits ? control_field(out, tag, body + pos, n) : 1)
                 : alnum                   ? data_field(out, tag, body + pos, n)
                                           : 1;
        if (rc != 0) return rc;
        pos += n + 1;
    }
    return pos == body_len ? 0 : 1;
}

static PyObject *fields(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer dir, body;
    if (!PyArg_ParseTuple(args, "y*y*", &dir, &body)) return NULL;
    Out out = {PyMem_Malloc((size_t)body.len * 2 + 256), (size_t)body.len * 2 + 256, 0};
    int rc = out.data == NULL ? -1 : write_fields(&out, dir.buf, (size_t)dir.len, body.buf,
                                                  (size_t)body.len);
    PyBuffer_Release(&dir);
    PyBuffer_Release(&body);
    PyObject *result = NULL;
    if (rc == 0) result = PyUnicode_DecodeUTF8(out.data, (Py_ssize_t)out.used, "strict");
    else if (rc == 1) result = Py_NewRef(Py_None);
    else PyErr_NoMemory();
    PyMem_Free(out.data);
    return result;
}

/* ---------------------------------------------------------------- ISO 2709 with holdings
 * splice.iso2709's common case: a stored record of our own framing (printable ASCII
 * leader, no 852 of its own, sizes within five digits) with encoded 852 fields appended.
 * Anything else gives None and the Python path decides, so the bytes are always the ones
 * splice.iso2709 writes. */

static int digits(const unsigned char *p, int n, long *value) {
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return 0;
        v = v * 10 + (p[i] - '0');
    }
    *value = v;
    return 1;
}

static void put_number(unsigned char *p, long value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (unsigned char)('0' + value % 10);
        value /= 10;
    }
}

static PyObject *splice_iso2709(PyObject *module, PyObject *args) {
    (void)module;
    Py_buffer rec;
    PyObject *extra;
    if (!PyArg_ParseTuple(args, "y*O!", &rec, &PyList_Type, &extra)) return NULL;
    const unsigned char *d = rec.buf;
    Py_ssize_t n = rec.len, count = PyList_GET_SIZE(extra);
    PyObject *result = NULL;
    long base = 0, added = 0;
    int plain = n >= 26 && d[n - 1] == 0x1d && digits(d + 12, 5, &base) && base > 24
                && base <= n && (base - 25) % 12 == 0 && d[base - 1] == 0x1e;
    for (Py_ssize_t i = 0; plain && i < 24; i++) plain = d[i] >= 0x20 && d[i] <= 0x7e;
    for (long pos = 24; plain && pos < base - 1; pos += 12)
        plain = !(d[pos] == '8' && d[pos + 1] == '5' && d[pos + 2] == '2');
    for (Py_ssize_t i = 0; plain && i < count; i++) {
        PyObject *item = PyList_GET_ITEM(extra, i);
        plain = PyBytes_Check(item) && PyBytes_GET_SIZE(item) <= 9999;
        if (plain) added += (long)PyBytes_GET_SIZE(item);
    }
    long body = (long)n - base - 1, new_base = base + 12 * (long)count;
    long total = new_base + body + added + 1;
    if (!plain || body + added > 99999 || new_base > 99999) {
        PyBuffer_Release(&rec);
        return Py_NewRef(Py_None);
    }
    result = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)total);
    if (result != NULL) {
        unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
        put_number(out, total > 99999 ? 99999 : total, 5);
        memcpy(out + 5, d + 5, 4);
        memcpy(out + 9, "a22", 3);
        put_number(out + 12, new_base, 5);
        memcpy(out + 17, d + 17, 3);
        memcpy(out + 20, "4500", 4);
        memcpy(out + 24, d + 24, (size_t)(base - 25));
        unsigned char *entry = out + base - 1;
        long offset = body;
        for (Py_ssize_t i = 0; i < count; i++, entry += 12) {
            Py_ssize_t size = PyBytes_GET_SIZE(PyList_GET_ITEM(extra, i));
            memcpy(entry, "852", 3);
            put_number(entry + 3, (long)size, 4);
            put_number(entry + 7, offset, 5);
            offset += (long)size;
        }
        *entry++ = 0x1e;
        memcpy(entry, d + base, (size_t)body);
        entry += body;
        for (Py_ssize_t i = 0; i < count; i++) {
            PyObject *item = PyList_GET_ITEM(extra, i);
            memcpy(entry, PyBytes_AS_STRING(item), (size_t)PyBytes_GET_SIZE(item));
            entry += PyBytes_GET_SIZE(item);
        }
        *entry = 0x1d;
    }
    PyBuffer_Release(&rec);
    return result;
}

static PyMethodDef methods[] = {
    {"fields", fields, METH_VARARGS,
     "fields(directory, body): the MARCXML field elements of a stored record, or None "
     "when it is not the common case."},
    {"iso2709", splice_iso2709, METH_VARARGS,
     "iso2709(record, extra): the stored record with the encoded fields in the list "
     "``extra`` appended as 852s, or None when it is not the common case."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef marcxml_module = {
    PyModuleDef_HEAD_INIT, "normalizers._marcxml", "MARCXML fields in one pass (_marcxml.c).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__marcxml(void) { return PyModule_Create(&marcxml_module); }
