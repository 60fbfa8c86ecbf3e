/* mesh_codec.c — chunk meshes to and from self-contained, checksummed blobs.
 *
 * Blob = 36-byte header + LZ4 block of the filtered vertices + LZ4 block of the filtered
 * indices (byte layout in terrapage/mesh_codec.h). Two blocks rather than one so each
 * decompresses straight into its own output array: the decoder then un-filters in place,
 * run by run, and needs no heap and no scratch from the caller.
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
 * crafted blobs whose checksum was recomputed.
 */
#include "terrapage/mesh_codec.h"

#include <lz4.h>
#include <lz4hc.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

_Static_assert(sizeof(tp_mesh_vertex) == 8, "tp_mesh_vertex must be 8 bytes without padding");

#define MESH_MAGIC 0x534D5054u /* "TPMS" read as a little-endian u32 */
#define VERTEX_RUN 256u        /* vertices per byte-shuffled run */
#define INDEX_RUN 1024u        /* indices per byte-shuffled run */
/* Far more than any 65535-vertex triangle list needs (a planar mesh has < 2 triangles
 * per vertex); keeps every size computation below far from overflow and LZ4's limits. */
#define MAX_INDICES (1u << 24)
#define DEFAULT_LEVEL 9
#define FLAG_IMPLICIT_SKIRTS 0x1u

/* ---- little helpers ---------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t zigzag16(uint16_t d) /* d is a two's-complement 16-bit difference */
{
    return (uint16_t)((d & 0x8000u) ? ~(uint32_t)(d << 1) : (uint32_t)(d << 1));
}

static uint16_t unzigzag16(uint16_t z)
{
    return (uint16_t)((z >> 1) ^ (0u - (uint32_t)(z & 1u)));
}

static uint8_t zigzag8(uint8_t d)
{
    return (uint8_t)((d & 0x80u) ? ~(uint32_t)(d << 1) : (uint32_t)(d << 1));
}

static uint8_t unzigzag8(uint8_t z)
{
    return (uint8_t)((z >> 1) ^ (0u - (uint32_t)(z & 1u)));
}

/* Low 32 bits of a chain of XXH3-64: header bytes 0 … 31 (seed 0x7470), then the
 * filtered vertices (seeded with that hash), then the filtered indices (likewise). */
static uint32_t blob_checksum(const uint8_t *header, const void *vbytes, size_t vsize,
                              const void *ibytes, size_t isize)
{
    uint64_t h = XXH3_64bits_withSeed(header, 32, 0x7470u);
    h = XXH3_64bits_withSeed(vbytes, vsize, h);
    return (uint32_t)XXH3_64bits_withSeed(ibytes, isize, h);
}

/* Header fields in blob order. */
typedef struct blob_header {
    uint32_t vertex_count, index_count, skirt_vertex_start, skirt_index_start, skirt_depth;
    uint32_t vertex_block_size; /* compressed bytes of the vertex block */
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
        return TP_ERR_CORRUPT;
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
            uint16_t dx = zigzag16((uint16_t)(x - px)), dz = zigzag16((uint16_t)(z - pz));
            uint16_t dh = zigzag16((uint16_t)(s->h - ph));
            p[k] = (uint8_t)dx;
            p[len + k] = (uint8_t)(dx >> 8);
            p[2 * len + k] = (uint8_t)dz;
            p[3 * len + k] = (uint8_t)(dz >> 8);
            p[4 * len + k] = (uint8_t)dh;
            p[5 * len + k] = (uint8_t)(dh >> 8);
            p[6 * len + k] = zigzag8((uint8_t)((uint8_t)s->n_u - pu));
            p[7 * len + k] = zigzag8((uint8_t)((uint8_t)s->n_v - pv));
            px = x;
            pz = z;
            ph = s->h;
            pu = (uint8_t)s->n_u;
            pv = (uint8_t)s->n_v;
        }
    }
}

/* In place: `v` holds the filtered bytes of n vertices. Each run is copied to the stack
 * before its vertices are rebuilt over it, so nothing is read after being overwritten.
 * Returns 0 if a position does not fit 16 bits after un-shifting (only corrupt data). */
static int unfilter_vertices(tp_mesh_vertex *v, uint32_t n, unsigned shift)
{
    uint8_t tmp[VERTEX_RUN * 8u];
    uint16_t px = 0, pz = 0, ph = 0;
    uint8_t pu = 0, pv = 0;
    uint32_t limit = 0xFFFFu >> shift;
    for (uint32_t run = 0; run < n; run += VERTEX_RUN) {
        uint32_t len = n - run < VERTEX_RUN ? n - run : VERTEX_RUN;
        memcpy(tmp, (uint8_t *)v + (size_t)run * 8u, (size_t)len * 8u);
        for (uint32_t k = 0; k < len; k++) {
            uint16_t dx = (uint16_t)(tmp[k] | tmp[len + k] << 8);
            uint16_t dz = (uint16_t)(tmp[2 * len + k] | tmp[3 * len + k] << 8);
            uint16_t dh = (uint16_t)(tmp[4 * len + k] | tmp[5 * len + k] << 8);
            px = (uint16_t)(px + unzigzag16(dx));
            pz = (uint16_t)(pz + unzigzag16(dz));
            ph = (uint16_t)(ph + unzigzag16(dh));
            pu = (uint8_t)(pu + unzigzag8(tmp[6 * len + k]));
            pv = (uint8_t)(pv + unzigzag8(tmp[7 * len + k]));
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
            uint16_t code = zigzag16((uint16_t)(next - i));
            p[k] = (uint8_t)code;
            p[len + k] = (uint8_t)(code >> 8);
            if (i >= next)
                next = i + 1;
        }
    }
}

/* In place, like unfilter_vertices. Returns 0 at the first index ≥ vertex_count. */
static int unfilter_indices(uint16_t *idx, uint32_t m, uint32_t vertex_count)
{
    uint8_t tmp[INDEX_RUN * 2u];
    uint32_t next = 0;
    for (uint32_t run = 0; run < m; run += INDEX_RUN) {
        uint32_t len = m - run < INDEX_RUN ? m - run : INDEX_RUN;
        memcpy(tmp, (uint8_t *)idx + (size_t)run * 2u, (size_t)len * 2u);
        for (uint32_t k = 0; k < len; k++) {
            uint16_t code = (uint16_t)(tmp[k] | tmp[len + k] << 8);
            uint32_t i = (uint16_t)(next - unzigzag16(code));
            if (i >= vertex_count)
                return 0;
            idx[run + k] = (uint16_t)i;
            if (i >= next)
                next = i + 1;
        }
    }
    return 1;
}

static int lz4_compress(const uint8_t *src, size_t size, uint8_t *dst, size_t cap, int level)
{
    if (size == 0)
        return 0;
    if (level < 0)
        return LZ4_compress_fast((const char *)src, (char *)dst, (int)size, (int)cap, -level);
    return LZ4_compress_HC((const char *)src, (char *)dst, (int)size, (int)cap,
                           level == 0 ? DEFAULT_LEVEL : level);
}

/* ---- header ---------------------------------------------------------------------- */

static tp_result read_header(const uint8_t *b, size_t size, blob_header *h)
{
    if (size < TP_MESH_BLOB_HEADER_SIZE)
        return TP_ERR_TRUNCATED;
    if (get_u32(b) != MESH_MAGIC)
        return TP_ERR_BAD_MAGIC;
    if (b[4] != TP_MESH_BLOB_VERSION)
        return TP_ERR_UNSUPPORTED_VERSION;
    if ((b[5] & ~FLAG_IMPLICIT_SKIRTS) || b[7] != 0 || b[6] > 15)
        return TP_ERR_CORRUPT;
    h->flags = b[5];
    h->xz_shift = b[6];
    h->vertex_count = get_u32(b + 8);
    h->index_count = get_u32(b + 12);
    h->skirt_vertex_start = get_u32(b + 16);
    h->skirt_index_start = get_u32(b + 20);
    h->skirt_depth = get_u32(b + 24);
    h->vertex_block_size = get_u32(b + 28);
    h->checksum = get_u32(b + 32);
    tp_result r = check_counts(h->vertex_count, h->index_count, h->skirt_vertex_start,
                               h->skirt_index_start, h->skirt_depth);
    if (r != TP_OK)
        return r;
    int implicit = (h->flags & FLAG_IMPLICIT_SKIRTS) != 0;
    h->stored_vertices = implicit ? h->skirt_vertex_start : h->vertex_count;
    h->stored_indices = implicit ? h->skirt_index_start : h->index_count;
    size_t body = size - TP_MESH_BLOB_HEADER_SIZE;
    if (h->vertex_block_size > body)
        return TP_ERR_CORRUPT;
    /* An empty section has an empty block; a non-empty one never compresses to nothing. */
    size_t index_block_size = body - h->vertex_block_size;
    if ((h->stored_vertices == 0) != (h->vertex_block_size == 0) ||
        (h->stored_indices == 0) != (index_block_size == 0))
        return TP_ERR_CORRUPT;
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
 * from its surface, so they need not be stored. Rebuilds into temporary arrays. */
static int skirts_are_implicit(const tp_mesh *m)
{
    if (m->skirt_vertex_start == m->vertex_count && m->skirt_index_start == m->index_count)
        return 0; /* nothing to save */
    tp_mesh_vertex *v = malloc(sizeof *v * m->vertex_count);
    uint16_t *ix = malloc(sizeof *ix * m->index_count);
    int same = 0;
    if (v && ix) {
        memcpy(v, m->vertices, sizeof *v * m->skirt_vertex_start);
        memcpy(ix, m->indices, sizeof *ix * m->skirt_index_start);
        tp_mesh r = {v, ix, m->skirt_vertex_start, m->skirt_index_start, m->skirt_vertex_start,
                     m->skirt_index_start, 0};
        same = tp_mesh_add_skirts(&r, m->vertex_count, m->index_count, m->skirt_depth) == TP_OK &&
               r.vertex_count == m->vertex_count && r.index_count == m->index_count &&
               !memcmp(v, m->vertices, sizeof *v * m->vertex_count) &&
               !memcmp(ix, m->indices, sizeof *ix * m->index_count);
    }
    free(v);
    free(ix);
    return same;
}

size_t tp_mesh_encode_bound(uint32_t vertex_count, uint32_t index_count)
{
    if (vertex_count > TP_MESH_MAX_VERTICES || index_count > MAX_INDICES)
        return 0;
    return TP_MESH_BLOB_HEADER_SIZE + (size_t)LZ4_compressBound((int)(vertex_count * 8u)) +
           (size_t)LZ4_compressBound((int)(index_count * 2u));
}

tp_result tp_mesh_encode(const tp_mesh *mesh, int level, void *out, size_t out_capacity,
                         size_t *out_size)
{
    if (!mesh || !out || !out_size)
        return TP_ERR_INVALID_ARGUMENT;
    tp_result r = tp_mesh_validate(mesh);
    if (r != TP_OK)
        return r;
    size_t bound = tp_mesh_encode_bound(mesh->vertex_count, mesh->index_count);
    if (out_capacity < bound)
        return TP_ERR_BUFFER_TOO_SMALL;
    if (level > LZ4HC_CLEVEL_MAX)
        level = LZ4HC_CLEVEL_MAX;

    const int implicit = skirts_are_implicit(mesh);
    const uint32_t nv = implicit ? mesh->skirt_vertex_start : mesh->vertex_count;
    const uint32_t ni = implicit ? mesh->skirt_index_start : mesh->index_count;
    size_t vraw = (size_t)nv * 8u, iraw = (size_t)ni * 2u;
    uint8_t *filtered = malloc(vraw + iraw + 1);
    if (!filtered)
        return TP_ERR_OUT_OF_MEMORY;
    unsigned shift = common_xz_shift(mesh->vertices, nv);
    filter_vertices(mesh->vertices, nv, shift, filtered);
    filter_indices(mesh->indices, ni, filtered + vraw);

    uint8_t *o = out;
    uint8_t *body = o + TP_MESH_BLOB_HEADER_SIZE;
    size_t cap = out_capacity - TP_MESH_BLOB_HEADER_SIZE;
    int vsize = lz4_compress(filtered, vraw, body, cap, level);
    int isize = vsize < 0 ? -1
                          : lz4_compress(filtered + vraw, iraw, body + vsize, cap - (size_t)vsize, level);
    /* With the bound's capacity LZ4 cannot fail; a zero here would be a library fault. */
    if (vsize < 0 || isize < 0 || (vraw && !vsize) || (iraw && !isize)) {
        free(filtered);
        return TP_ERR_IO;
    }

    put_u32(o, MESH_MAGIC);
    o[4] = TP_MESH_BLOB_VERSION;
    o[5] = implicit ? FLAG_IMPLICIT_SKIRTS : 0;
    o[6] = (uint8_t)shift;
    o[7] = 0;
    put_u32(o + 8, mesh->vertex_count);
    put_u32(o + 12, mesh->index_count);
    put_u32(o + 16, mesh->skirt_vertex_start);
    put_u32(o + 20, mesh->skirt_index_start);
    put_u32(o + 24, mesh->skirt_depth);
    put_u32(o + 28, (uint32_t)vsize);
    put_u32(o + 32, blob_checksum(o, filtered, vraw, filtered + vraw, iraw));
    free(filtered);
    *out_size = TP_MESH_BLOB_HEADER_SIZE + (size_t)vsize + (size_t)isize;
    return TP_OK;
}

tp_result tp_mesh_decode_header(const void *blob, size_t blob_size, tp_mesh *out_info)
{
    if (!blob || !out_info)
        return TP_ERR_INVALID_ARGUMENT;
    blob_header h;
    tp_result r = read_header(blob, blob_size, &h);
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

tp_result tp_mesh_decode(const void *blob, size_t blob_size, tp_mesh_vertex *out_vertices,
                         uint32_t vertex_capacity, uint16_t *out_indices, uint32_t index_capacity,
                         tp_mesh *out_mesh)
{
    if (!blob || !out_mesh)
        return TP_ERR_INVALID_ARGUMENT;
    memset(out_mesh, 0, sizeof *out_mesh);
    blob_header h;
    tp_result r = read_header(blob, blob_size, &h);
    if (r != TP_OK)
        return r;
    if (h.vertex_count > vertex_capacity || h.index_count > index_capacity)
        return TP_ERR_BUFFER_TOO_SMALL;
    if ((h.vertex_count && !out_vertices) || (h.index_count && !out_indices))
        return TP_ERR_INVALID_ARGUMENT;

    const uint8_t *body = (const uint8_t *)blob + TP_MESH_BLOB_HEADER_SIZE;
    size_t vraw = (size_t)h.stored_vertices * 8u, iraw = (size_t)h.stored_indices * 2u;
    size_t isize = blob_size - TP_MESH_BLOB_HEADER_SIZE - h.vertex_block_size;
    if (h.vertex_block_size > (uint32_t)LZ4_MAX_INPUT_SIZE || isize > (size_t)LZ4_MAX_INPUT_SIZE)
        return TP_ERR_CORRUPT; /* LZ4 takes int sizes; no valid block is this large */
    /* LZ4_decompress_safe never writes past the given capacity and fails unless the
     * block ends exactly at its compressed size: exact sizes in, exact sizes out. */
    if (vraw && LZ4_decompress_safe((const char *)body, (char *)out_vertices,
                                    (int)h.vertex_block_size, (int)vraw) != (int)vraw)
        return TP_ERR_CORRUPT;
    if (iraw && LZ4_decompress_safe((const char *)body + h.vertex_block_size, (char *)out_indices,
                                    (int)isize, (int)iraw) != (int)iraw)
        return TP_ERR_CORRUPT;
    if (blob_checksum(blob, out_vertices, vraw, out_indices, iraw) != h.checksum)
        return TP_ERR_CORRUPT;
    if (!unfilter_vertices(out_vertices, h.stored_vertices, h.xz_shift) ||
        !unfilter_indices(out_indices, h.stored_indices, h.stored_vertices))
        return TP_ERR_CORRUPT;

    tp_mesh m = {out_vertices, out_indices, h.stored_vertices, h.stored_indices,
                 h.stored_vertices, h.stored_indices, h.skirt_depth};
    if (h.flags & FLAG_IMPLICIT_SKIRTS) {
        /* The rebuilt skirts must come out at exactly the recorded size. */
        if (tp_mesh_add_skirts(&m, h.vertex_count, h.index_count, h.skirt_depth) != TP_OK ||
            m.vertex_count != h.vertex_count || m.index_count != h.index_count)
            return TP_ERR_CORRUPT;
    } else {
        m.skirt_vertex_start = h.skirt_vertex_start;
        m.skirt_index_start = h.skirt_index_start;
    }
    *out_mesh = m;
    return TP_OK;
}
