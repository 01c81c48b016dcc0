/* The macaroon layer of a token: libmacaroons "v1" text packets (token-format §4.1, §4.2).
 * Internal to src/core. */
#ifndef TZ_CORE_MACAROON_H
#define TZ_CORE_MACAROON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/err.h"
#include "core/slice.h"
#include "core/token.h"

#define TZ_PACKET_MAX 0xFFFFu

/* A parsed macaroon whose slices point into the decoded buffer it was parsed from. */
typedef struct tz_macaroon_view {
    bool has_location;
    tz_slice location;
    bool has_identifier;
    tz_slice identifier;
    tz_slice *caveats;     /* first-party caveats in order; malloc'd array owned by the view */
    size_t n_caveats;
    bool has_third_party;  /* a cid/vid/cl triplet was present */
    size_t third_party_at; /* first-party caveats before the first third-party one */
    bool has_signature;
    tz_slice signature;    /* any length; the caller checks for 32 bytes */
} tz_macaroon_view;

/* Parses v1 packets, strictly: lowercase or uppercase 4-digit hex lengths, framing by length only,
 * order location? identifier (cid (vid cl)?)* signature?, no duplicates, no trailing bytes. A
 * missing location or signature is accepted (absence is reported, not an error); a missing
 * identifier is TZE_BAD_TOKEN, as is every framing or order violation (including libmacaroons v2
 * binary and JSON forms). On success the caller owns view->caveats (tz_macaroon_view_clear). */
tz_error *tz_macaroon_parse(const uint8_t *buf, size_t len, tz_macaroon_view *view);
void tz_macaroon_view_clear(tz_macaroon_view *view);

/* Bytes of one packet carrying a value of value_len under key_len; 0 if over TZ_PACKET_MAX. */
size_t tz_packet_size(size_t key_len, size_t value_len);

/* Writes the packets location (omitted when location is NULL), identifier, one cid per caveat and
 * signature, all with lowercase hex lengths. On success out->ptr is a malloc'd buffer owned by the
 * caller. Failure: TZE_BAD_TOKEN when a packet would exceed 0xFFFF bytes; TZE_INTERNAL on
 * allocation failure. */
tz_error *tz_macaroon_write(const char *location, tz_slice identifier, const tz_raw_caveat *caveats,
                            size_t n_caveats, const uint8_t signature[TZ_SIGNATURE_LEN], tz_bytes *out);

#endif
