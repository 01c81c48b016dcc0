/* CDMI object ids as Onedata writes them (token-format §13), used by data.objectid caveats:
 *   00 | enterprise number (3 bytes) | 00 | payload length (low 8 bits) | CRC-16 (2 bytes, BE) | payload
 * where the payload is a decoded file GUID (`guid#UUID#SPACE` or `shareGuid#UUID#SPACE#SHARE`) and
 * the CRC is CRC-16/ARC over the whole id with the CRC field zeroed. Text form: uppercase hex. */
#ifndef TZ_CORE_OBJECTID_H
#define TZ_CORE_OBJECTID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"

#define TZ_OBJECTID_HEADER_LEN 8u
/* Longest payload Onedata builds an object id for. */
#define TZ_OBJECTID_MAX_PAYLOAD 320u

/* CRC-16/ARC (poly 0xA001 reflected, init 0, no final xor). */
uint16_t tz_crc16_arc(const uint8_t *data, size_t len);

/* Builds the binary object id of `payload` (at most TZ_OBJECTID_MAX_PAYLOAD bytes) into `out`,
 * which must hold TZ_OBJECTID_HEADER_LEN + payload_len bytes. Returns false if the payload is too
 * long (nothing written). */
bool tz_objectid_build(uint32_t enterprise, const uint8_t *payload, size_t payload_len, uint8_t *out);

/* The uppercase hex object id of the GUID of (uuid, space): payload `guid#UUID#SPACE`. New malloc'd
 * NUL-terminated string owned by the caller. Errors: TZE_BAD_DATA {"key": "guid"} when the payload
 * would exceed TZ_OBJECTID_MAX_PAYLOAD bytes; TZE_INTERNAL on allocation failure. */
tz_error *tz_objectid_from_guid_parts(const char *uuid, const char *space_id, char **out);

/* Decodes a hex object id (either case) to its payload: `out` must hold len / 2 bytes; the payload
 * starts at out + TZ_OBJECTID_HEADER_LEN and is *payload_len bytes long. Enterprise number, length
 * and CRC fields are not checked (as in the reference); bytes 0 and 4 must be zero. Returns false
 * for odd length, non-hex characters, fewer than 8 bytes or a non-zero byte 0 / 4. */
bool tz_objectid_decode(const char *hex, size_t len, uint8_t *out, size_t *payload_len);

/* The space id inside a GUID payload: `guid#UUID#SPACE` or `shareGuid#UUID#SPACE#SHARE` with a
 * non-empty SPACE. On success *space / *space_len point into payload. */
bool tz_guid_payload_space(const uint8_t *payload, size_t len, const uint8_t **space, size_t *space_len);

/* True iff `hex` is an object id whose payload is a GUID with a space id (the data.objectid sanitize
 * rule). Allocates nothing: when `space` is non-NULL (it must hold len / 2 + 1 bytes) the space id is
 * written there NUL-terminated, its length in *space_len. */
bool tz_objectid_space(const char *hex, size_t len, char *space, size_t *space_len);

#endif
