/*
 * z3950/_ber.c: z3950.ber.decode in C.
 *
 * Every APDU a client sends is decoded into a tree of z3950.ber.Node before the PDU
 * parser walks it; in Python that is one recursive call and one dataclass __init__ per
 * element (18 in a search request). decode(data) here gives the same tree: the same
 * Node class, the same field values (an own list of children for every node, content
 * b"" on constructed ones), the same exceptions with the same messages, the same rules
 * (MAX_DEPTH, MAX_LENGTH_OCTETS, indefinite lengths, high tag numbers, trailing bytes).
 * tests/z3950/test_ber_c.py compares the two on valid, truncated and random bytes.
 *
 * Nodes are made without running __init__: the object is allocated through the type and
 * the five slots are stored at the offsets their member descriptors give, looked up once
 * by setup(), which checks that Node is still the slotted class this expects.
 *
 * The data comes from the network: every read is checked against the bound of the
 * element being read (never past the buffer), lengths are compared without overflow,
 * the nesting is bounded by max_depth, and errors are Python exceptions.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <structmember.h>

#define N_SLOTS 5
static const char *const slot_names[N_SLOTS] = {"cls", "constructed", "tag", "content",
                                                "children"};
enum { CLS, CONSTRUCTED, TAG, CONTENT, CHILDREN };

static PyTypeObject *node_type;       /* z3950.ber.Node */
static Py_ssize_t offsets[N_SLOTS];  /* of its slots, in slot_names order */
static PyObject *ber_error, *ber_truncated, *fallback, *empty_bytes;
static int max_depth = -1, max_length_octets;  /* max_depth < 0: setup() not run */

#define SLOT(obj, i) (*(PyObject **)((char *)(obj) + offsets[i]))

/* A Node of these values; content and children are new references, taken over (also
 * when this fails). */
static PyObject *make_node(long cls, int constructed, uint64_t tag, PyObject *content,
                           PyObject *children) {
    PyObject *cls_obj = PyLong_FromLong(cls);
    PyObject *tag_obj = cls_obj != NULL ? PyLong_FromUnsignedLongLong(tag) : NULL;
    PyObject *node = tag_obj != NULL ? node_type->tp_alloc(node_type, 0) : NULL;
    if (node == NULL) {
        Py_XDECREF(cls_obj);
        Py_XDECREF(tag_obj);
        Py_DECREF(content);
        Py_DECREF(children);
        return NULL;
    }
    SLOT(node, CLS) = cls_obj;
    SLOT(node, CONSTRUCTED) = Py_NewRef(constructed ? Py_True : Py_False);
    SLOT(node, TAG) = tag_obj;
    SLOT(node, CONTENT) = content;
    SLOT(node, CHILDREN) = children;
    return node;
}

static PyObject *fail(PyObject *type, const char *message) {
    PyErr_SetString(type, message);
    return NULL;
}

/* The element at data[pos:], which must end by bound; *after gets the offset past it.
 * bound never exceeds the size of the buffer, and pos <= bound on entry. */
static PyObject *decode_at(PyObject *source, const unsigned char *data, Py_ssize_t pos,
                           Py_ssize_t bound, int depth, Py_ssize_t *after) {
    if (depth > max_depth) return fail(ber_error, "elements nested too deeply");

    /* identifier octets */
    if (pos >= bound) return fail(ber_truncated, "missing tag");
    unsigned int first = data[pos++];
    long cls = first >> 6;
    int constructed = (first & 0x20) != 0;
    uint64_t tag = first & 0x1F;
    if (tag == 0x1F) {  /* high tag number: at most five base-128 octets */
        int count;
        tag = 0;
        for (count = 0; count < 5; count++) {
            if (pos >= bound) return fail(ber_truncated, "truncated high tag number");
            unsigned int byte = data[pos++];
            tag = (tag << 7) | (byte & 0x7F);
            if (!(byte & 0x80)) break;
            if (count == 0 && byte == 0x80)
                return fail(ber_error, "non-minimal high tag number");
        }
        if (count == 5) return fail(ber_error, "tag number too large");
    }

    /* length octets */
    if (pos >= bound) return fail(ber_truncated, "missing length");
    unsigned int lead = data[pos++];
    int indefinite = lead == 0x80;
    uint64_t length = lead;
    if (lead > 0x80) {
        int count = (int)(lead & 0x7F);
        if (count > max_length_octets || lead == 0xFF) {
            PyErr_Format(ber_error, "length of %d octets is not supported", count);
            return NULL;
        }
        if (count > bound - pos) return fail(ber_truncated, "truncated length");
        length = 0;  /* count <= 8 (checked by setup): no overflow */
        for (int i = 0; i < count; i++) length = (length << 8) | data[pos++];
    }

    Py_ssize_t end = bound;  /* where the children must end */
    if (!indefinite) {
        if (length > (uint64_t)(bound - pos))
            return fail(ber_truncated, "element runs past the end of the data");
        end = pos + (Py_ssize_t)length;
        if (!constructed) {
            PyObject *content;
            if (pos == 0 && end == PyBytes_GET_SIZE(source)) {  /* as data[0:len] does */
                content = Py_NewRef(source);
            } else {
                content = PyBytes_FromStringAndSize((const char *)data + pos, end - pos);
                if (content == NULL) return NULL;
            }
            PyObject *children = PyList_New(0);
            if (children == NULL) {
                Py_DECREF(content);
                return NULL;
            }
            *after = end;
            return make_node(cls, 0, tag, content, children);
        }
    } else if (!constructed) {
        return fail(ber_error, "indefinite length on a primitive element");
    }

    PyObject *children = PyList_New(0);
    if (children == NULL) return NULL;
    for (;;) {
        if (indefinite) {
            if (bound - pos < 2) {
                Py_DECREF(children);
                return fail(ber_truncated, "indefinite-length element without end-of-contents");
            }
            if (data[pos] == 0 && data[pos + 1] == 0) {
                pos += 2;
                break;
            }
        } else if (pos >= end) {
            break;
        }
        PyObject *child = decode_at(source, data, pos, end, depth + 1, &pos);
        if (child == NULL || PyList_Append(children, child) < 0) {
            Py_XDECREF(child);
            Py_DECREF(children);
            return NULL;
        }
        Py_DECREF(child);
    }
    *after = pos;
    return make_node(cls, 1, tag, Py_NewRef(empty_bytes), children);
}

static PyObject *decode(PyObject *module, PyObject *data) {
    if (max_depth < 0) {
        PyErr_SetString(PyExc_RuntimeError, "z3950._ber.setup() has not been called");
        return NULL;
    }
    if (!PyBytes_CheckExact(data))  /* bytearray, memoryview...: content of their type */
        return PyObject_CallOneArg(fallback, data);
    Py_ssize_t size = PyBytes_GET_SIZE(data), end = 0;
    PyObject *node = decode_at(data, (const unsigned char *)PyBytes_AS_STRING(data), 0, size,
                               0, &end);
    if (node != NULL && end != size) {
        Py_DECREF(node);
        PyErr_Format(ber_error, "%zd trailing bytes after the element", size - end);
        return NULL;
    }
    return node;
}

/* The offset of a writable object slot that ``type`` itself defines, or -1. */
static Py_ssize_t slot_offset(PyTypeObject *type, const char *name) {
    PyObject *descr = PyDict_GetItemString(type->tp_dict, name);  /* borrowed */
    if (descr == NULL || !Py_IS_TYPE(descr, &PyMemberDescr_Type)) return -1;
    PyMemberDescrObject *member = (PyMemberDescrObject *)descr;
    PyMemberDef *def = member->d_member;
    if (member->d_common.d_type != type || def->type != T_OBJECT_EX || (def->flags & READONLY))
        return -1;
    if (def->offset < (Py_ssize_t)sizeof(PyObject) ||
        def->offset + (Py_ssize_t)sizeof(PyObject *) > type->tp_basicsize)
        return -1;
    return def->offset;
}

static PyObject *setup(PyObject *module, PyObject *args) {
    PyObject *type, *error, *truncated, *decode_fallback;
    int depth, octets;
    if (!PyArg_ParseTuple(args, "O!OOOii:setup", &PyType_Type, &type, &error, &truncated,
                          &decode_fallback, &depth, &octets))
        return NULL;
    PyTypeObject *tp = (PyTypeObject *)type;
    if (!PyExceptionClass_Check(error) || !PyExceptionClass_Check(truncated) ||
        !PyCallable_Check(decode_fallback)) {
        PyErr_SetString(PyExc_TypeError, "setup() needs two exception classes and a callable");
        return NULL;
    }
    if (depth < 0 || depth > 1000 || octets < 0 || octets > 8) {
        PyErr_SetString(PyExc_ValueError, "max_depth must be 0-1000, max_length_octets 0-8");
        return NULL;
    }
    /* exactly the five slots, in order, on a class made straight from object */
    PyObject *slots = PyDict_GetItemString(tp->tp_dict, "__slots__");  /* borrowed */
    int same = tp->tp_base == &PyBaseObject_Type && slots != NULL && PyTuple_Check(slots) &&
               PyTuple_GET_SIZE(slots) == N_SLOTS;
    Py_ssize_t found[N_SLOTS];
    for (int i = 0; same && i < N_SLOTS; i++) {
        PyObject *name = PyTuple_GET_ITEM(slots, i);
        same = PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, slot_names[i]) == 0
               && (found[i] = slot_offset(tp, slot_names[i])) >= 0;
    }
    if (!same) {
        PyErr_SetString(PyExc_TypeError,
                        "Node is not a class with exactly the slots cls, constructed, tag, "
                        "content, children");
        return NULL;
    }
    Py_INCREF(type);
    Py_XSETREF(node_type, tp);
    Py_INCREF(error);
    Py_XSETREF(ber_error, error);
    Py_INCREF(truncated);
    Py_XSETREF(ber_truncated, truncated);
    Py_INCREF(decode_fallback);
    Py_XSETREF(fallback, decode_fallback);
    for (int i = 0; i < N_SLOTS; i++) offsets[i] = found[i];
    max_depth = depth;
    max_length_octets = octets;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_O,
     "decode(data) -> Node: exactly one TLV occupying all of data (z3950.ber.decode)."},
    {"setup", setup, METH_VARARGS,
     "setup(Node, BerError, BerTruncated, fallback, max_depth, max_length_octets): the "
     "classes and limits of z3950.ber, and the decoder of data that is not bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_ber", "z3950.ber.decode in C (see z3950/_ber.c).", -1, methods,
};

PyMODINIT_FUNC PyInit__ber(void) {
    empty_bytes = PyBytes_FromStringAndSize(NULL, 0);
    if (empty_bytes == NULL) return NULL;
    return PyModule_Create(&module_def);
}
