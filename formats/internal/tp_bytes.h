/* tp_bytes.h — byte-level helpers shared by terrapage's own libraries: little-endian
 * loads and stores and zig-zag codes, one copy for the page file (formats/), the mesh
 * codec and the generator's parameter blob (bake/generator/).
 *
 * Internal: never installed and not part of any API. CMake exposes this directory only
 * through the INTERFACE target tp_internal (formats/CMakeLists.txt), which terrapage's
 * own targets link privately. */
#ifndef TP_BYTES_H
#define TP_BYTES_H

#include <stdint.h>
#include <string.h>

/* Little-endian access through bytes: no alignment or aliasing assumptions, and the
 * compilers turn these into single loads/stores on little-endian targets. */
static inline uint16_t tp__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t tp__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t tp__le64(const uint8_t *p)
{
    return (uint64_t)tp__le32(p) | ((uint64_t)tp__le32(p + 4) << 32);
}
static inline double tp__lef64(const uint8_t *p)
{
    uint64_t bits = tp__le64(p);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
static inline void tp__put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tp__put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void tp__put64(uint8_t *p, uint64_t v)
{
    tp__put32(p, (uint32_t)v);
    tp__put32(p + 4, (uint32_t)(v >> 32));
}
static inline void tp__putf64(uint8_t *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tp__put64(p, bits);
}

/* Zig-zag codes: signed (two's-complement) differences near zero become small unsigned
 * codes (0, −1, 1, −2 … → 0, 1, 2, 3 …), so the high bytes and bit planes of smooth data
 * are almost all zeros. */
static inline uint16_t tp__zigzag16(uint16_t d)
{
    return (uint16_t)((uint16_t)(d << 1) ^ (uint16_t)(0u - (unsigned)(d >> 15)));
}
static inline uint16_t tp__unzigzag16(uint16_t z)
{
    return (uint16_t)((z >> 1) ^ (uint16_t)(0u - (unsigned)(z & 1u)));
}
static inline uint8_t tp__zigzag8(uint8_t d)
{
    return (uint8_t)((uint8_t)(d << 1) ^ (uint8_t)(0u - (unsigned)(d >> 7)));
}
static inline uint8_t tp__unzigzag8(uint8_t z)
{
    return (uint8_t)((z >> 1) ^ (uint8_t)(0u - (unsigned)(z & 1u)));
}

#endif /* TP_BYTES_H */
