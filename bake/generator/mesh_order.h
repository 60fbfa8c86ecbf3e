/* mesh_order.h — the order of a chunk mesh's triangles, for vertex caches (internal to
 * the generator).
 *
 * Tipsify (Sander, Nehab and Barczak, "Fast Triangle Reordering for Vertex Locality and
 * Reduced Overdraw", 2007): emit every remaining triangle around one vertex (a fan),
 * then move to the vertex of that fan which is still in a simulated FIFO cache and was
 * entered last; at a dead end, go back to the most recent vertex that still has
 * triangles, or to the next in a Hilbert-curve order of the vertices. Linear time, and
 * every choice is an integer comparison with ties to the lower number, so the order is
 * the same on every machine.
 *
 * Thread rules: pure over caller-owned arrays; any thread.
 */
#ifndef TP_MESH_ORDER_H
#define TP_MESH_ORDER_H

#include <stddef.h>
#include <stdint.h>

#include "mesh_tin.h"

/* uint32 words of work tp__mesh_order() needs (8-byte aligned). */
size_t tp__mesh_order_work_words(uint32_t vertex_count, uint32_t triangle_count);

/* Writes the triangles of `tin` in cache order into out_order (triangle_count numbers).
 * cache_size: the FIFO the order is tuned for. */
void tp__mesh_order(const tp__tin *tin, uint32_t cache_size, uint32_t *work,
                    uint32_t *out_order);

#endif
