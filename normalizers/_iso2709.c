/*
 * normalizers/_iso2709.c: the fields of an all-ASCII ISO 2709 record, in one pass.
 *
 * Ingest decodes every record; in Python the split into fields, subfields and Field
 * objects cost about 60 us a record, the largest part of parsing. fields(text, base,
 * field_type) does what normalizers/decode.py does for the common case only: fields end
 * to end from the base address as the directory says (normalizers.marc.tiled_fields),
 * no control character (0x00-0x1e) inside a field, control fields 001-009 and data fields
 * with two indicators before the first subfield delimiter. It returns (fields, verbatim,
 * length of the fields), as decode_fields_verbatim and tiled_fields would, or None for
 * anything else, and the Python path decides (tests compare the two on every fixture).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *s_tag, *s_ind1, *s_ind2, *s_subfields, *s_data, *s_space, *empty_args;

static int digits(const unsigned char *p, Py_ssize_t n, Py_ssize_t *value) {
    Py_ssize_t v = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    *value = v;
    return 0;
}

/* A Field as its dataclass __init__ leaves it: attributes set in field order. */
static PyObject *make_field(PyTypeObject *type, PyObject *tag, PyObject *ind1, PyObject *ind2,
                            PyObject *subfields, PyObject *data) {
    PyObject *obj = PyBaseObject_Type.tp_new(type, empty_args, NULL);
    if (obj == NULL) return NULL;
    if (PyObject_SetAttr(obj, s_tag, tag) || PyObject_SetAttr(obj, s_ind1, ind1) ||
        PyObject_SetAttr(obj, s_ind2, ind2) || PyObject_SetAttr(obj, s_subfields, subfields) ||
        PyObject_SetAttr(obj, s_data, data)) {
        Py_DECREF(obj);
        return NULL;
    }
    return obj;
}

/* Subfields of raw[2:] (raw[2] is the delimiter): (code, value) of each non-empty chunk.
 * *delimiters counts the delimiters, so the caller can tell whether a chunk was empty. */
static PyObject *subfields_of(PyObject *text, const unsigned char *s, Py_ssize_t start,
                              Py_ssize_t end, Py_ssize_t *delimiters) {
    PyObject *list = PyList_New(0);
    if (list == NULL) return NULL;
    *delimiters = 0;
    Py_ssize_t i = start;
    while (i < end) {  /* s[i] is a delimiter */
        (*delimiters)++;
        Py_ssize_t j = i + 1;
        while (j < end && s[j] != 0x1f) j++;
        if (j > i + 1) {
            PyObject *code = PyUnicode_Substring(text, i + 1, i + 2);
            PyObject *value = code ? PyUnicode_Substring(text, i + 2, j) : NULL;
            PyObject *pair = value ? PyTuple_Pack(2, code, value) : NULL;
            Py_XDECREF(code);
            Py_XDECREF(value);
            if (pair == NULL || PyList_Append(list, pair)) {
                Py_XDECREF(pair);
                Py_DECREF(list);
                return NULL;
            }
            Py_DECREF(pair);
        }
        i = j;
    }
    return list;
}

/* One field text[start:end] with tag text[tag_at:tag_at+3]; 0 done, 1 not the common case. */
static int add_field(PyObject *out, PyTypeObject *type, PyObject *text, const unsigned char *s,
                     Py_ssize_t tag_at, Py_ssize_t start, Py_ssize_t end, int *verbatim) {
    int control = s[tag_at] == '0' && s[tag_at + 1] == '0';
    if (!control && (end - start < 3 || s[start + 2] != 0x1f || s[start] == 0x1f ||
                     s[start + 1] == 0x1f))
        return 1;
    PyObject *tag = PyUnicode_Substring(text, tag_at, tag_at + 3);
    if (tag == NULL) return -1;
    PyObject *field = NULL;
    if (control) {
        PyObject *data = PyUnicode_Substring(text, start, end);
        PyObject *none = data ? PyList_New(0) : NULL;
        if (none) field = make_field(type, tag, s_space, s_space, none, data);
        Py_XDECREF(data);
        Py_XDECREF(none);
    } else {
        Py_ssize_t delimiters;
        PyObject *ind1 = PyUnicode_Substring(text, start, start + 1);
        PyObject *ind2 = ind1 ? PyUnicode_Substring(text, start + 1, start + 2) : NULL;
        PyObject *subs = ind2 ? subfields_of(text, s, start + 2, end, &delimiters) : NULL;
        if (subs) {
            field = make_field(type, tag, ind1, ind2, subs, Py_None);
            if (PyList_GET_SIZE(subs) != delimiters) *verbatim = 0;
        }
        Py_XDECREF(ind1);
        Py_XDECREF(ind2);
        Py_XDECREF(subs);
    }
    Py_DECREF(tag);
    if (field == NULL) return -1;
    int rc = PyList_Append(out, field);
    Py_DECREF(field);
    return rc;
}

static PyObject *fields(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *text;
    Py_ssize_t base;
    PyTypeObject *type;
    if (!PyArg_ParseTuple(args, "UnO!", &text, &base, &PyType_Type, &type)) return NULL;
    if (!PyUnicode_IS_ASCII(text)) Py_RETURN_NONE;
    const unsigned char *s = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t size = PyUnicode_GET_LENGTH(text);
    if (base < 25 || base > size || (base - 25) % 12) Py_RETURN_NONE;
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    int verbatim = 1;
    Py_ssize_t offset = 0;
    for (Py_ssize_t entry = 24; entry < base - 1; entry += 12) {
        Py_ssize_t length, start;
        if (digits(s + entry, 3, &length) || digits(s + entry + 3, 4, &length) ||
            digits(s + entry + 7, 5, &start) || start != offset || length < 1)
            goto not_common;
        Py_ssize_t from = base + offset, to = from + length - 1;
        if (to >= size || s[to] != 0x1e) goto not_common;
        for (Py_ssize_t i = from; i < to; i++)
            if (s[i] <= 0x1e) goto not_common;
        int rc = add_field(out, type, text, s, entry, from, to, &verbatim);
        if (rc < 0) {
            Py_DECREF(out);
            return NULL;
        }
        if (rc) goto not_common;
        offset += length;
    }
    return Py_BuildValue("(NOn)", out, verbatim ? Py_True : Py_False, offset);
not_common:
    Py_DECREF(out);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"fields", fields, METH_VARARGS,
     "fields(text, base, field_type): (fields, verbatim, length) of an ASCII record's "
     "text, or None when it is not the common case."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef iso2709_module = {
    PyModuleDef_HEAD_INIT, "normalizers._iso2709",
    "ISO 2709 fields in one pass (_iso2709.c).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__iso2709(void) {
    s_tag = PyUnicode_InternFromString("tag");
    s_ind1 = PyUnicode_InternFromString("ind1");
    s_ind2 = PyUnicode_InternFromString("ind2");
    s_subfields = PyUnicode_InternFromString("subfields");
    s_data = PyUnicode_InternFromString("data");
    s_space = PyUnicode_InternFromString(" ");
    empty_args = PyTuple_New(0);
    if (!s_tag || !s_ind1 || !s_ind2 || !s_subfields || !s_data || !s_space || !empty_args)
        return NULL;
    return PyModule_Create(&iso2709_module);
}
