/* chunk.c — assembles a chunk's fields from the lattice and sample stages.
 *
 * A chunk walks its sample rows in order and keeps the two lattice rows around the
 * current row, so it evaluates each lattice point at most twice and needs no heap:
 * the runtime fallback calls this on worker threads where allocation is not wanted.
 */
#include "generator_internal.h"

/* Widest lattice row: (1025 − 1) / 8 + 1 columns, plus one past the east edge. */
#define MAX_LATTICE_COLUMNS 130

typedef struct lattice_rows {
    int64_t lx0;          /* global lattice column of entry 0 */
    uint32_t columns;
    int64_t lz[2];        /* which global lattice row each slot holds */
    int filled[2];
    tp__lattice row[2][MAX_LATTICE_COLUMNS];
} lattice_rows;

static int64_t floor_div8(int64_t v)
{
    /* Floor division: C's '/' truncates towards zero, and >> of a negative value is
     * implementation-defined. */
    return v >= 0 ? v / 8 : -((-v + 7) / 8);
}

static void lattice_point(const tp_world_params *w, int64_t lx, int64_t lz, tp__lattice *out)
{
    tp__lattice_terrain(w, lx, lz, out);
    tp__lattice_climate(w, lx, lz, out);
}

static const tp__lattice *lattice_row(const tp_world_params *w, lattice_rows *rows, int64_t lz)
{
    for (int s = 0; s < 2; s++)
        if (rows->filled[s] && rows->lz[s] == lz)
            return rows->row[s];
    /* Rows are requested in increasing order: replace the lower one. */
    int slot = !rows->filled[0] ? 0 : !rows->filled[1] ? 1 : (rows->lz[0] < rows->lz[1] ? 0 : 1);
    for (uint32_t c = 0; c < rows->columns; c++)
        lattice_point(w, rows->lx0 + (int64_t)c, lz, &rows->row[slot][c]);
    rows->lz[slot] = lz;
    rows->filled[slot] = 1;
    return rows->row[slot];
}

static void sample_at(const tp_world_params *w, int64_t gx, int64_t gz, const tp__lattice *row0,
                      const tp__lattice *row1, int64_t lx0, tp__sample *out)
{
    int64_t lx = floor_div8(gx), lz = floor_div8(gz);
    size_t c = (size_t)(lx - lx0);
    tp__cell cell = {
        .c00 = &row0[c], .c10 = &row0[c + 1], .c01 = &row1[c], .c11 = &row1[c + 1],
        .fx = (double)(gx - lx * 8) / 8.0, .fz = (double)(gz - lz * 8) / 8.0,
    };
    tp__sample_terrain(w, gx, gz, &cell, out);
}

tp_result tp_generate_chunk(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod,
                            const tp_chunk_fields *out)
{
    if (!w || !out || lod >= tp_world_lod_count(w))
        return TP_ERR_INVALID_ARGUMENT;
    const int64_t intervals = (int64_t)w->samples_per_edge - 1;
    const int64_t gx0 = (int64_t)cx * intervals, gz0 = (int64_t)cz * intervals;
    const uint32_t edge = tp_world_lod_edge(w, lod);
    const uint32_t climate_edge = tp_world_climate_edge(w);

    lattice_rows rows;
    rows.lx0 = floor_div8(gx0);
    rows.columns = climate_edge + 1;
    rows.filled[0] = rows.filled[1] = 0;

    if (out->height_codes || out->biomes) {
        for (uint32_t j = 0; j < edge; j++) {
            int64_t gz = gz0 + ((int64_t)j << lod);
            int64_t lz = floor_div8(gz);
            const tp__lattice *row0 = lattice_row(w, &rows, lz);
            const tp__lattice *row1 = lattice_row(w, &rows, lz + 1);
            for (uint32_t i = 0; i < edge; i++) {
                tp__sample s;
                sample_at(w, gx0 + ((int64_t)i << lod), gz, row0, row1, rows.lx0, &s);
                size_t k = (size_t)j * edge + i;
                if (out->height_codes)
                    out->height_codes[k] = s.height_code;
                if (out->biomes)
                    out->biomes[k] = tp__biome_classify(w, &s);
            }
        }
    }

    if (out->temperature_cc || out->precipitation_mm) {
        rows.filled[0] = rows.filled[1] = 0;
        for (uint32_t b = 0; b < climate_edge; b++) {
            int64_t gz = gz0 + (int64_t)b * TP_CLIMATE_STRIDE;
            int64_t lz = floor_div8(gz);
            const tp__lattice *row0 = lattice_row(w, &rows, lz);
            const tp__lattice *row1 = lattice_row(w, &rows, lz + 1);
            for (uint32_t a = 0; a < climate_edge; a++) {
                tp__sample s;
                sample_at(w, gx0 + (int64_t)a * TP_CLIMATE_STRIDE, gz, row0, row1, rows.lx0, &s);
                size_t k = (size_t)b * climate_edge + a;
                if (out->temperature_cc)
                    out->temperature_cc[k] =
                        tp__temperature_to_cc(tp__temperature_at_c(w, s.temperature_sea_c, s.height_m));
                if (out->precipitation_mm)
                    out->precipitation_mm[k] = tp__precipitation_to_mm(s.precipitation_mm);
            }
        }
    }
    return TP_OK;
}

uint16_t tp_generate_height_at(const tp_world_params *w, int64_t gx, int64_t gz)
{
    lattice_rows rows;
    rows.lx0 = floor_div8(gx);
    rows.columns = 2;
    rows.filled[0] = rows.filled[1] = 0;
    int64_t lz = floor_div8(gz);
    const tp__lattice *row0 = lattice_row(w, &rows, lz);
    const tp__lattice *row1 = lattice_row(w, &rows, lz + 1);
    tp__sample s;
    sample_at(w, gx, gz, row0, row1, rows.lx0, &s);
    return s.height_code;
}
