/* A bump allocator for the caveats parsed by one verification: one malloc for the whole result
 * (pointer array, records, element text and typed views) instead of about six per caveat, and one
 * free. Blocks are chained when a token's caveats outgrow the first one. */
#include "core/caveat_internal.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_TO alignof(max_align_t)
#define MIN_BLOCK 1024u
#define MAX_FIRST_BLOCK 65536u

struct tz_cv_arena {
    struct tz_cv_arena *first; /* the arena's handle: the first block */
    struct tz_cv_arena *cur;   /* (first block only) where allocations go now */
    struct tz_cv_arena *next;  /* the next block in the chain */
    void *array;               /* (first block only) the array tz_caveats_free may be handed */
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

static struct tz_cv_arena *new_block(size_t cap) {
    struct tz_cv_arena *b = malloc(sizeof *b + cap);
    if (!b) return NULL;
    b->first = b->cur = b;
    b->next = NULL;
    b->array = NULL;
    b->used = 0;
    b->cap = cap;
    return b;
}

tz_cv_arena *tz_cv_arena_new(size_t hint) {
    if (hint < MIN_BLOCK) hint = MIN_BLOCK;
    if (hint > MAX_FIRST_BLOCK) hint = MAX_FIRST_BLOCK;
    return new_block(hint);
}

void *tz_cv_arena_alloc(tz_cv_arena *a, size_t size) {
    struct tz_cv_arena *b = a->cur;
    size_t start = (b->used + ALIGN_TO - 1) & ~(size_t)(ALIGN_TO - 1);
    if (start > b->cap || size > b->cap - start) {
        if (size > SIZE_MAX / 2 - sizeof *b) return NULL;
        size_t cap = b->cap * 2 > size ? b->cap * 2 : size;
        struct tz_cv_arena *nb = new_block(cap);
        if (!nb) return NULL;
        nb->first = a;
        b->next = nb;
        a->cur = b = nb;
        start = 0;
    }
    b->used = start + size;
    return b->data + start;
}

void tz_cv_arena_set_array(tz_cv_arena *a, void *array) {
    a->array = array;
}

bool tz_cv_arena_is_array(const tz_cv_arena *a, const void *array) {
    return a->array == array;
}

void tz_cv_arena_free(tz_cv_arena *a) {
    while (a) {
        struct tz_cv_arena *next = a->next;
        free(a);
        a = next;
    }
}

void *tz_cv_alloc(tz_caveat *c, size_t n, size_t size, bool zero) {
    if (size && n > SIZE_MAX / size) return NULL;
    if (!c->arena) return zero ? calloc(n, size) : malloc(n * size);
    void *p = tz_cv_arena_alloc(c->arena, n * size);
    if (p && zero) memset(p, 0, n * size);
    return p;
}

void tz_cv_release(const tz_caveat *c, void *p) {
    if (!c->arena) free(p);
}
