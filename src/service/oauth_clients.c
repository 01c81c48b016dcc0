/* Introspection clients: generation of secrets and their check.
 *
 * A secret is 256 bits from the CSPRNG, so a single SHA-256 of it is a sufficient stored form: a
 * stolen hash can only be reversed by searching 2^256 values, and a slow password hash (Argon2)
 * would add nothing but cost to every introspection call (docs/decisions.md). */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>
#include "service/oauth.h"

static void hash_hex(const char *secret, size_t len, char out[TZ_OAUTH_SECRET_HASH_LEN + 1]) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    /* the low-level context, as core/hmac.c: SHA256() goes through EVP_Q_digest, which fetches
     * the implementation on every call (more than the hash of a 43-byte secret itself) */
    SHA256_CTX c;
    SHA256_Init(&c);
    SHA256_Update(&c, secret, len);
    SHA256_Final(d, &c);
    OPENSSL_cleanse(&c, sizeof c);
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof d; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[TZ_OAUTH_SECRET_HASH_LEN] = '\0';
    OPENSSL_cleanse(d, sizeof d);
}

/* 32 random bytes as 43 base64url characters, and their hash. */
static tz_error *new_secret(char secret[TZ_OAUTH_SECRET_LEN + 1], char hash[TZ_OAUTH_SECRET_HASH_LEN + 1]) {
    unsigned char raw[32];
    char b64[48];
    if (RAND_bytes(raw, sizeof raw) != 1) return tz_err_new(TZE_INTERNAL);
    EVP_EncodeBlock((unsigned char *)b64, raw, sizeof raw); /* 44 chars, one '=' */
    OPENSSL_cleanse(raw, sizeof raw);
    for (size_t i = 0; i < TZ_OAUTH_SECRET_LEN; i++)
        secret[i] = b64[i] == '+' ? '-' : b64[i] == '/' ? '_' : b64[i];
    secret[TZ_OAUTH_SECRET_LEN] = '\0';
    OPENSSL_cleanse(b64, sizeof b64);
    hash_hex(secret, TZ_OAUTH_SECRET_LEN, hash);
    return NULL;
}

tz_error *tz_oauth_client_create(tz_store *store, const char *name, bool allow_revoke, int64_t now,
                                 char id[TZ_ID_HEX_LEN + 1], char secret[TZ_OAUTH_SECRET_LEN + 1]) {
    char hash[TZ_OAUTH_SECRET_HASH_LEN + 1];
    tz_error *e = tz_store_random_id(id);
    if (!e) e = new_secret(secret, hash);
    if (!e) {
        tz_oauth_client_rec r = {
            .id = id, .name = (char *)name, .secret_hash = hash,
            .allow_revoke = allow_revoke, .creation_time = now,
        };
        e = tz_store_client_create(store, &r);
    }
    OPENSSL_cleanse(hash, sizeof hash);
    if (e) OPENSSL_cleanse(secret, TZ_OAUTH_SECRET_LEN + 1);
    return e;
}

tz_error *tz_oauth_client_rotate(tz_store *store, const char *id, char secret[TZ_OAUTH_SECRET_LEN + 1]) {
    char hash[TZ_OAUTH_SECRET_HASH_LEN + 1];
    tz_error *e = new_secret(secret, hash);
    if (!e) e = tz_store_client_set_secret_hash(store, id, hash);
    OPENSSL_cleanse(hash, sizeof hash);
    if (e) OPENSSL_cleanse(secret, TZ_OAUTH_SECRET_LEN + 1);
    return e;
}

tz_error *tz_oauth_client_check(tz_store *store, const char *id, const char *secret, size_t secret_len,
                                bool *ok, bool *allow_revoke) {
    *ok = false;
    *allow_revoke = false;
    /* ids are hex of a fixed length: anything else is no client (and no store lookup) */
    if (strlen(id) != TZ_ID_HEX_LEN || strspn(id, "0123456789abcdef") != TZ_ID_HEX_LEN) return NULL;
    tz_oauth_client_rec r;
    tz_error *e = tz_store_client_get(store, id, &r);
    if (e) {
        if (e->id != TZE_STORE_NOT_FOUND) return e;
        tz_err_free(e);
        return NULL;
    }
    char presented[TZ_OAUTH_SECRET_HASH_LEN + 1];
    hash_hex(secret, secret_len, presented);
    *ok = strlen(r.secret_hash) == TZ_OAUTH_SECRET_HASH_LEN &&
          CRYPTO_memcmp(presented, r.secret_hash, TZ_OAUTH_SECRET_HASH_LEN) == 0;
    *allow_revoke = *ok && r.allow_revoke;
    OPENSSL_cleanse(presented, sizeof presented);
    tz_oauth_client_rec_clear(&r);
    return NULL;
}
