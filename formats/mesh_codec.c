/* mesh_codec.c — chunk meshes to and from self-contained, checksummed encodings.
 *
 * Encoding = 32-byte header + filtered vertices + filtered indices (byte layout in
 * formats/FORMAT.md, "Mesh blobs"). It is a filter only: the page file compresses every
 * blob with LZ4 itself, so compressing here as well would only cost time, and leaving it
 * out keeps the bytes independent of the LZ4 version (the runtime's fallback produces
 * them without compressing anything).
 *
 * Skirts are derived data — a copy of each border vertex, lowered — so when a mesh's
 * skirts are exactly what tp_mesh_add_skirts() makes, only the surface is stored and the
 * decoder rebuilds them with the same function: a quarter of the bytes saved, and the
 * builder and the decoder cannot disagree about them.
 *
 * Filters, chosen for what the builder emits (vertices in first-use order along a
 * space-filling traversal, so consecutive vertices are neighbours on the grid):
 *   vertices  each field minus the previous vertex's, zig-zagged; x and z first divided
 *             by their common power of two (grid positions are multiples of 32768 / N);
 *             then, per run of 256 vertices, the bytes are grouped by plane (x low bytes,
 *             x high bytes, … normals) so LZ4 sees long runs of small and zero bytes.
 *   indices   "next new vertex − index" (mod 2^16), zig-zagged: a first use codes 0 and a
 *             recently used vertex a small number; low and high bytes grouped per run of
 *             1024 indices.
 * The checksum covers the header and the filtered bytes, so it is checked before
 * anything is rebuilt; the index range check then guards against encoder faults and
 * crafted encodings whose checksum was recomputed.
 */
#include "terrapage/mesh_codec.h"

#include <string.h>
#include <xxhash.h>

#include "tp_bytes.h"

_Static_assert(sizeof(tp_mesh_vertex) == 8, "tp_mesh_vertex must be 8 bytes without padding");

#define MESH_MAGIC 0x534D5054u /* "TPMS" read as a little-endian u32 */
#define VERTEX_RUN 256u        /* vertices per byte-shuffled run */
#define INDEX_RUN 1024u        /* indices per byte-shuffled run */
/* Far more than any 65535-vertex triangle list needs (a planar mesh has < 2 triangles
 * per vertex); keeps every size computation below far from overflow and LZ4's limits. */
#define MAX_INDICES (1u << 24)
#define FLAG_IMPLICIT_SKIRTS 0x1u
#define CHECKSUM_SEED 0x7470u

/* ---- little helpers ---------------------------------------------------------------- */

/* Low 32 bits of XXH3-64 of the body (everything after the header), seeded with the
 * XXH3-64 of header bytes 0 … 27 under seed 0x7470. */
static uint32_t encoding_checksum(const uint8_t *encoded, size_t size)
{
    uint64_t h = XXH3_64bits_withSeed(encoded, 28, CHECKSUM_SEED);
    return (uint32_t)XXH3_64bits_withSeed(encoded + TP_MESH_BLOB_HEADER_SIZE,
                                          size - TP_MESH_BLOB_HEADER_SIZE, h);
}

/* Header fields in blob order. */
typedef struct blob_header {
    uint32_t vertex_count, index_count, skirt_vertex_start, skirt_index_start, skirt_depth;
    uint32_t checksum;
    uint8_t flags, xz_shift;
    uint32_t stored_vertices, stored_indices; /* what the blocks hold */
} blob_header;

static tp_result check_counts(uint32_t vertex_count, uint32_t index_count,
                              uint32_t skirt_vertex_start, uint32_t skirt_index_start,
                              uint32_t skirt_depth)
{
    if (vertex_count > TP_MESH_MAX_VERTICES || index_count > MAX_INDICES ||
        index_count % 3u != 0 || skirt_index_start % 3u != 0 ||
        skirt_index_start > index_count || skirt_vertex_start > vertex_count ||
        (index_count > 0 && vertex_count == 0) || skirt_depth > 0xFFFFu)
        return tp__error_set(TP_ERR_CORRUPT,
                             "mesh counts break the rules: %u vertices (skirts from %u), "
                             "%u indices (skirts from %u), skirt depth %u",
                             vertex_count, skirt_vertex_start, index_count, skirt_index_start,
                             skirt_depth);
    return TP_OK;
}

/* ---- skirts ------------------------------------------------------------------------ */

#define NOT_ON_BORDER UINT32_MAX

/* Position of a vertex along the border loop, 0 … 4 · extent − 1, starting at corner
 * (0, 0) and running z = 0 along +x, x = extent along +z, z = extent along −x, x = 0 along
 * −z; each corner belongs to the side it starts. */
static uint32_t border_position(const tp_mesh_vertex *v)
{
    const uint32_t e = TP_MESH_XZ_EXTENT, x = v->x, z = v->z;
    if (x > e || z > e)
        return NOT_ON_BORDER;
    if (z == 0 && x < e)
        return x;
    if (x == e && z < e)
        return e + z;
    if (z == e && x > 0)
        return 2 * e + (e - x);
    if (x == 0 && z > 0)
        return 3 * e + (e - z);
    return NOT_ON_BORDER;
}

/* The sort keys live in the vertex slots the skirt will occupy (8 bytes each), so the
 * function needs no memory of its own; memcpy keeps the type punning defined. */
static uint64_t key_get(const tp_mesh_vertex *slots, uint32_t k)
{
    uint64_t v;
    memcpy(&v, &slots[k], sizeof v);
    return v;
}

static void key_put(tp_mesh_vertex *slots, uint32_t k, uint64_t v)
{
    memcpy(&slots[k], &v, sizeof v);
}

static void sift_down(tp_mesh_vertex *slots, uint32_t root, uint32_t count)
{
    for (;;) {
        uint32_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && key_get(slots, child + 1) > key_get(slots, child))
            child++;
        uint64_t r = key_get(slots, root), c = key_get(slots, child);
        if (r >= c)
            return;
        key_put(slots, root, c);
        key_put(slots, child, r);
        root = child;
    }
}

/* Heapsort: in place, O(n log n) whatever the input, and keys are unique (they hold the
 * vertex index), so the order is fully determined. */
static void sort_keys(tp_mesh_vertex *slots, uint32_t count)
{
    for (uint32_t k = count / 2; k-- > 0;)
        sift_down(slots, k, count);
    for (uint32_t end = count; end-- > 1;) {
        uint64_t top = key_get(slots, 0);
        key_put(slots, 0, key_get(slots, end));
        key_put(slots, end, top);
        sift_down(slots, 0, end);
    }
}

/* ---- filters --------------------------------------------------------------------- */

static unsigned common_xz_shift(const tp_mesh_vertex *v, uint32_t n)
{
    uint32_t bits = 0;
    for (uint32_t k = 0; k < n; k++)
        bits |= (uint32_t)v[k].x | (uint32_t)v[k].z;
    unsigned shift = 0;
    while (bits && !(bits & 1u) && shift < 15) {
        bits >>= 1;
        shift++;
    }
    return bits ? shift : 0;
}

static void filter_vertices(const tp_mesh_vertex *v, uint32_t n, unsigned shift, uint8_t *out)
{
    uint16_t px = 0, pz = 0, ph = 0;
    uint8_t pu = 0, pv = 0;
    for (uint32_t run = 0; run < n; run += VERTEX_RUN) {
        uint32_t len = n - run < VERTEX_RUN ? n - run : VERTEX_RUN;
        uint8_t *p = out + (size_t)run * 8u;
        for (uint32_t k = 0; k < len; k++) {
            const tp_mesh_vertex *s = &v[run + k];
            uint16_t x = (uint16_t)(s->x >> shift), z = (uint16_t)(s->z >> shift);
            uint16_t dx = tp__zigzag16((uint16_t)(x - px)), dz = tp__zigzag16((uint16_t)(z - pz));
            uint16_t dh = tp__zigzag16((uint16_t)(s->h - ph));
            p[k] = (uint8_t)dx;
            p[len + k] = (uint8_t)(dx >> 8);
            p[2 * len + k] = (uint8_t)dz;
            p[3 * len + k] = (uint8_t)(dz >> 8);
            p[4 * len + k] = (uint8_t)dh;
            p[5 * len + k] = (uint8_t)(dh >> 8);
            p[6 * len + k] = tp__zigzag8((uint8_t)((uint8_t)s->n_u - pu));
            p[7 * len + k] = tp__zigzag8((uint8_t)((uint8_t)s->n_v - pv));
            px = x;
            pz = z;
            ph = s->h;
            pu = (uint8_t)s->n_u;
            pv = (uint8_t)s->n_v;
        }
    }
}

/* Reads the filtered bytes of n vertices from `in` and rebuilds them into `v`.
 * Returns 0 if a position does not fit 16 bits after un-shifting (only corrupt data). */
static int unfilter_vertices(const uint8_t *in, tp_mesh_vertex *v, uint32_t n, unsigned shift)
{
    uint16_t px = 0, pz = 0, ph = 0;
    uint8_t pu = 0, pv = 0;
    uint32_t limit = 0xFFFFu >> shift;
    for (uint32_t run = 0; run < n; run += VERTEX_RUN) {
        uint32_t len = n - run < VERTEX_RUN ? n - run : VERTEX_RUN;
        const uint8_t *p = in + (size_t)run * 8u;
        for (uint32_t k = 0; k < len; k++) {
            uint16_t dx = (uint16_t)(p[k] | p[len + k] << 8);
            uint16_t dz = (uint16_t)(p[2 * len + k] | p[3 * len + k] << 8);
            uint16_t dh = (uint16_t)(p[4 * len + k] | p[5 * len + k] << 8);
            px = (uint16_t)(px + tp__unzigzag16(dx));
            pz = (uint16_t)(pz + tp__unzigzag16(dz));
            ph = (uint16_t)(ph + tp__unzigzag16(dh));
            pu = (uint8_t)(pu + tp__unzigzag8(p[6 * len + k]));
            pv = (uint8_t)(pv + tp__unzigzag8(p[7 * len + k]));
            if (px > limit || pz > limit)
                return 0;
            tp_mesh_vertex *d = &v[run + k];
            d->x = (uint16_t)(px << shift);
            d->z = (uint16_t)(pz << shift);
            d->h = ph;
            d->n_u = (int8_t)pu;
            d->n_v = (int8_t)pv;
        }
    }
    return 1;
}

static void filter_indices(const uint16_t *idx, uint32_t m, uint8_t *out)
{
    uint32_t next = 0; /* one past the largest index seen: the next first use */
    for (uint32_t run = 0; run < m; run += INDEX_RUN) {
        uint32_t len = m - run < INDEX_RUN ? m - run : INDEX_RUN;
        uint8_t *p = out + (size_t)run * 2u;
        for (uint32_t k = 0; k < len; k++) {
            uint32_t i = idx[run + k];
            uint16_t code = tp__zigzag16((uint16_t)(next - i));
            p[k] = (uint8_t)code;
            p[len + k] = (uint8_t)(code >> 8);
            if (i >= next)
                next = i + 1;
        }
    }
}

/* Reads m filtered indices from `in` into `idx`. Returns 0 at the first index
 * ≥ vertex_count. */
static int unfilter_indices(const uint8_t *in, uint16_t *idx, uint32_t m, uint32_t vertex_count)
{
    uint32_t next = 0;
    for (uint32_t run = 0; run < m; run += INDEX_RUN) {
        uint32_t len = m - run < INDEX_RUN ? m - run : INDEX_RUN;
        const uint8_t *p = in + (size_t)run * 2u;
        for (uint32_t k = 0; k < len; k++) {
            uint16_t code = (uint16_t)(p[k] | p[len + k] << 8);
            uint32_t i = (uint16_t)(next - tp__unzigzag16(code));
            if (i >= vertex_count)
                return 0;
            idx[run + k] = (uint16_t)i;
            if (i >= next)
                next = i + 1;
        }
    }
    return 1;
}

/* ---- header ---------------------------------------------------------------------- */

static tp_result read_header(const uint8_t *b, size_t size, blob_header *h)
{
    if (size < TP_MESH_BLOB_HEADER_SIZE)
        return tp__error_set(TP_ERR_TRUNCATED, "mesh encoding of %zu bytes has no header",
                             size);
    if (tp__le32(b) != MESH_MAGIC)
        return tp__error_set(TP_ERR_BAD_MAGIC, "mesh encoding without its magic TPMS");
    if (b[4] != TP_MESH_BLOB_VERSION)
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "mesh encoding version %u (this build reads %u)", b[4],
                             TP_MESH_BLOB_VERSION);
    if ((b[5] & ~FLAG_IMPLICIT_SKIRTS) || b[7] != 0 || b[6] > 15)
        return tp__error_set(TP_ERR_CORRUPT,
                             "mesh header flags 0x%02x, xz shift %u, reserved byte %u",
                             b[5], b[6], b[7]);
    h->flags = b[5];
    h->xz_shift = b[6];
    h->vertex_count = tp__le32(b + 8);
    h->index_count = tp__le32(b + 12);
    h->skirt_vertex_start = tp__le32(b + 16);
    h->skirt_index_start = tp__le32(b + 20);
    h->skirt_depth = tp__le32(b + 24);
    h->checksum = tp__le32(b + 28);
    tp_result r = check_counts(h->vertex_count, h->index_count, h->skirt_vertex_start,
                               h->skirt_index_start, h->skirt_depth);
    if (r != TP_OK)
        return r;
    int implicit = (h->flags & FLAG_IMPLICIT_SKIRTS) != 0;
    h->stored_vertices = implicit ? h->skirt_vertex_start : h->vertex_count;
    h->stored_indices = implicit ? h->skirt_index_start : h->index_count;
    /* The counts fix the size exactly (and check_counts keeps this far from overflow). */
    const size_t want = TP_MESH_BLOB_HEADER_SIZE + (size_t)h->stored_vertices * 8u +
                        (size_t)h->stored_indices * 2u;
    if (size != want)
        return tp__error_set(size < want ? TP_ERR_TRUNCATED : TP_ERR_CORRUPT,
                             "mesh encoding of %zu bytes, its counts (%u vertices, %u "
                             "indices stored) make %zu",
                             size, h->stored_vertices, h->stored_indices, want);
    return TP_OK;
}

/* ---- public ---------------------------------------------------------------------- */

tp_result tp_mesh_validate(const tp_mesh *m)
{
    if (!m || (m->vertex_count && !m->vertices) || (m->index_count && !m->indices))
        return TP_ERR_INVALID_ARGUMENT;
    tp_result r = check_counts(m->vertex_count, m->index_count, m->skirt_vertex_start,
                               m->skirt_index_start, m->skirt_depth);
    if (r != TP_OK)
        return r;
    for (uint32_t k = 0; k < m->index_count; k++)
        if (m->indices[k] >= m->vertex_count)
            return TP_ERR_CORRUPT;
    return TP_OK;
}

tp_result tp_mesh_add_skirts(tp_mesh *mesh, uint32_t vertex_capacity, uint32_t index_capacity,
                             uint32_t depth)
{
    if (!mesh || depth > 0xFFFFu || mesh->skirt_vertex_start != mesh->vertex_count ||
        mesh->skirt_index_start != mesh->index_count || (mesh->vertex_count && !mesh->vertices))
        return TP_ERR_INVALID_ARGUMENT;
    const uint32_t n = mesh->vertex_count, first_index = mesh->index_count;
    uint32_t border = 0;
    for (uint32_t k = 0; k < n; k++)
        border += border_position(&mesh->vertices[k]) != NOT_ON_BORDER;
    if (border < 2) {
        mesh->skirt_depth = depth;
        return TP_OK;
    }
    if (n + border > TP_MESH_MAX_VERTICES || (uint64_t)first_index + 6u * border > MAX_INDICES)
        return TP_ERR_OUT_OF_RANGE;
    if (!mesh->indices)
        return TP_ERR_INVALID_ARGUMENT;
    if (n + border > vertex_capacity || (uint64_t)first_index + 6u * border > index_capacity)
        return TP_ERR_BUFFER_TOO_SMALL;

    /* Order the border vertices around the loop (keys in the future skirt slots). */
    tp_mesh_vertex *slots = mesh->vertices + n;
    uint32_t count = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t pos = border_position(&mesh->vertices[k]);
        if (pos != NOT_ON_BORDER)
            key_put(slots, count++, (uint64_t)pos << 16 | k);
    }
    sort_keys(slots, count);
    /* Triangles first, while the keys still say which top vertex each slot belongs to. */
    uint16_t *out = mesh->indices + first_index;
    for (uint32_t k = 0; k < count; k++) {
        uint32_t next = k + 1 == count ? 0 : k + 1;
        uint16_t tp = (uint16_t)key_get(slots, k), tq = (uint16_t)key_get(slots, next);
        uint16_t sp = (uint16_t)(n + k), sq = (uint16_t)(n + next);
        out[6 * k + 0] = tp, out[6 * k + 1] = tq, out[6 * k + 2] = sq;
        out[6 * k + 3] = tp, out[6 * k + 4] = sq, out[6 * k + 5] = sp;
    }
    for (uint32_t k = 0; k < count; k++) {
        tp_mesh_vertex v = mesh->vertices[(uint16_t)key_get(slots, k)];
        v.h = (uint16_t)(v.h > depth ? v.h - depth : 0);
        slots[k] = v;
    }
    mesh->vertex_count = n + count;
    mesh->index_count = first_index + 6 * count;
    mesh->skirt_depth = depth;
    return TP_OK;
}

/* Whether the mesh's skirts are exactly what tp_mesh_add_skirts(skirt_depth) rebuilds
 * from its surface, so they need not be stored. Checked in place, without rebuilding:
 * skirt k must hang from the k-th border vertex of the loop order (strictly increasing
 * (position, index) keys over all of the surface's border vertices), be that vertex
 * lowered by the depth, and own the two triangles add_skirts writes. */
static int skirts_are_implicit(const tp_mesh *m)
{
    const uint32_t n = m->skirt_vertex_start, first = m->skirt_index_start;
    const uint32_t count = m->vertex_count - n;
    if (count == 0 && m->index_count == first)
        return 0; /* nothing to save */
    uint32_t border = 0;
    for (uint32_t k = 0; k < n; k++)
        border += border_position(&m->vertices[k]) != NOT_ON_BORDER;
    if (border < 2 || border != count || m->index_count - first != 6u * count)
        return 0;
    uint64_t previous_key = 0;
    for (uint32_t k = 0; k < count; k++) {
        const uint16_t *t = m->indices + first + 6u * k;
        uint32_t next = k + 1 == count ? 0 : k + 1;
        uint32_t top = t[0], top_next = m->indices[first + 6u * next];
        if (top >= n)
            return 0;
        uint32_t pos = border_position(&m->vertices[top]);
        uint64_t key = (uint64_t)pos << 16 | top;
        if (pos == NOT_ON_BORDER || (k > 0 && key <= previous_key))
            return 0;
        previous_key = key;
        if (t[1] != top_next || t[2] != n + next || t[3] != top || t[4] != n + next ||
            t[5] != n + k)
            return 0;
        tp_mesh_vertex want = m->vertices[top];
        want.h = (uint16_t)(want.h > m->skirt_depth ? want.h - m->skirt_depth : 0);
        if (memcmp(&want, &m->vertices[n + k], sizeof want) != 0)
            return 0;
    }
    return 1;
}

size_t tp_mesh_encode_bound(uint32_t vertex_count, uint32_t index_count)
{
    if (vertex_count > TP_MESH_MAX_VERTICES || index_count > MAX_INDICES)
        return 0;
    return TP_MESH_BLOB_HEADER_SIZE + (size_t)vertex_count * 8u + (size_t)index_count * 2u;
}

tp_result tp_mesh_encode(const tp_mesh *mesh, void *out, size_t out_capacity, size_t *out_size)
{
    if (!mesh || !out || !out_size)
        return TP_ERR_INVALID_ARGUMENT;
    tp_result r = tp_mesh_validate(mesh);
    if (r != TP_OK)
        return r;
    if (out_capacity < tp_mesh_encode_bound(mesh->vertex_count, mesh->index_count))
        return TP_ERR_BUFFER_TOO_SMALL;

    const int implicit = skirts_are_implicit(mesh);
    const uint32_t nv = implicit ? mesh->skirt_vertex_start : mesh->vertex_count;
    const uint32_t ni = implicit ? mesh->skirt_index_start : mesh->index_count;
    const size_t size = TP_MESH_BLOB_HEADER_SIZE + (size_t)nv * 8u + (size_t)ni * 2u;
    uint8_t *o = out;
    unsigned shift = common_xz_shift(mesh->vertices, nv);
    filter_vertices(mesh->vertices, nv, shift, o + TP_MESH_BLOB_HEADER_SIZE);
    filter_indices(mesh->indices, ni, o + TP_MESH_BLOB_HEADER_SIZE + (size_t)nv * 8u);

    tp__put32(o, MESH_MAGIC);
    o[4] = TP_MESH_BLOB_VERSION;
    o[5] = implicit ? FLAG_IMPLICIT_SKIRTS : 0;
    o[6] = (uint8_t)shift;
    o[7] = 0;
    tp__put32(o + 8, mesh->vertex_count);
    tp__put32(o + 12, mesh->index_count);
    tp__put32(o + 16, mesh->skirt_vertex_start);
    tp__put32(o + 20, mesh->skirt_index_start);
    tp__put32(o + 24, mesh->skirt_depth);
    tp__put32(o + 28, encoding_checksum(o, size));
    *out_size = size;
    return TP_OK;
}

tp_result tp_mesh_decode_header(const void *encoded, size_t size, tp_mesh *out_info)
{
    if (!encoded || !out_info)
        return TP_ERR_INVALID_ARGUMENT;
    blob_header h = {0}; /* zeroed: the compiler cannot see that a failure returns early */
    tp_result r = read_header(encoded, size, &h);
    if (r != TP_OK)
        return r;
    memset(out_info, 0, sizeof *out_info);
    out_info->vertex_count = h.vertex_count;
    out_info->index_count = h.index_count;
    out_info->skirt_vertex_start = h.skirt_vertex_start;
    out_info->skirt_index_start = h.skirt_index_start;
    out_info->skirt_depth = h.skirt_depth;
    return TP_OK;
}

tp_result tp_mesh_decode(const void *encoded, size_t size, tp_mesh_vertex *out_vertices,
                         uint32_t vertex_capacity, uint16_t *out_indices, uint32_t index_capacity,
                         tp_mesh *out_mesh)
{
    if (!encoded || !out_mesh)
        return TP_ERR_INVALID_ARGUMENT;
    memset(out_mesh, 0, sizeof *out_mesh);
    blob_header h = {0}; /* zeroed: the compiler cannot see that a failure returns early */
    tp_result r = read_header(encoded, size, &h);
    if (r != TP_OK)
        return r;
    if (h.vertex_count > vertex_capacity || h.index_count > index_capacity)
        return TP_ERR_BUFFER_TOO_SMALL;
    if ((h.vertex_count && !out_vertices) || (h.index_count && !out_indices))
        return TP_ERR_INVALID_ARGUMENT;
    const uint8_t *bytes = encoded;
    const uint32_t checksum = encoding_checksum(bytes, size);
    if (checksum != h.checksum)
        return tp__error_set(TP_ERR_CORRUPT,
                             "mesh checksum mismatch (header %08x, bytes %08x)", h.checksum,
                             checksum);
    const uint8_t *vbytes = bytes + TP_MESH_BLOB_HEADER_SIZE;
    if (!unfilter_vertices(vbytes, out_vertices, h.stored_vertices, h.xz_shift))
        return tp__error_set(TP_ERR_CORRUPT, "mesh vertex position beyond 16 bits");
    if (!unfilter_indices(vbytes + (size_t)h.stored_vertices * 8u, out_indices, h.stored_indices,
                          h.stored_vertices))
        return tp__error_set(TP_ERR_CORRUPT, "mesh index not below its %u stored vertices",
                             h.stored_vertices);

    tp_mesh m = {out_vertices, out_indices, h.stored_vertices, h.stored_indices,
                 h.stored_vertices, h.stored_indices, h.skirt_depth};
    if (h.flags & FLAG_IMPLICIT_SKIRTS) {
        /* The rebuilt skirts must come out at exactly the recorded size. */
        if (tp_mesh_add_skirts(&m, h.vertex_count, h.index_count, h.skirt_depth) != TP_OK ||
            m.vertex_count != h.vertex_count || m.index_count != h.index_count)
            return tp__error_set(TP_ERR_CORRUPT,
                                 "mesh skirts rebuild to other counts than the header's "
                                 "(%u vertices, %u indices)",
                                 h.vertex_count, h.index_count);
    } else {
        m.skirt_vertex_start = h.skirt_vertex_start;
        m.skirt_index_start = h.skirt_index_start;
    }
    *out_mesh = m;
    return TP_OK;
}
