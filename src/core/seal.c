/* AES-256-GCM sealing of stored secrets (see seal.h for the format). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "b64std.h"
#include "seal.h"

#define AD_LABEL "tokenzone sealed secret\n"
#define AD_HEAD_MAX 48   /* label + version + newline */
#define BLOB_MAX (TZ_SEAL_NONCE_LEN + TZ_SEAL_MAX_PLAIN + TZ_SEAL_TAG_LEN)

/* Parses "tzs1$VERSION$" and returns a pointer to the base64 part, or NULL. */
static const char *parse_header(const char *text, uint32_t *version) {
    if (!text || strncmp(text, TZ_SEAL_PREFIX, strlen(TZ_SEAL_PREFIX)) != 0) return NULL;
    const char *p = text + strlen(TZ_SEAL_PREFIX);
    if (*p < '1' || *p > '9') return NULL;  /* no leading zero: one spelling per version */
    uint64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > TZ_SEAL_MAX_VERSION) return NULL;
        p++;
    }
    if (*p != '$') return NULL;
    *version = (uint32_t)v;
    return p + 1;
}

bool tz_seal_is_sealed(const char *text) {
    uint32_t v;
    const char *b64 = parse_header(text, &v);
    if (!b64) return false;
    size_t len = strlen(b64);
    uint8_t blob[BLOB_MAX + 3];
    size_t n = 0;
    bool ok = len % 4 == 0 && len / 4 * 3 <= sizeof blob && tz_b64std_decode(b64, len, blob, &n) &&
              n > TZ_SEAL_NONCE_LEN + TZ_SEAL_TAG_LEN;
    OPENSSL_cleanse(blob, sizeof blob);
    return ok;
}

tz_error *tz_seal_version(const char *sealed, uint32_t *version) {
    return parse_header(sealed, version) ? NULL : tz_err_new(TZE_INTERNAL);
}

/* The head of the associated data (label and version); the binding follows it. Returns its
 * length, 0 without a binding. Any binding length works: the AD is fed in two parts. */
static size_t make_ad(uint32_t version, const char *binding, char ad[AD_HEAD_MAX]) {
    if (!binding || !*binding || strlen(binding) > INT_MAX) return 0;
    int n = snprintf(ad, AD_HEAD_MAX, AD_LABEL "%u\n", version);
    return n > 0 && n < AD_HEAD_MAX ? (size_t)n : 0;
}

/* GCM's default IV length, so cipher, key and nonce go in with one EVP_CipherInit_ex: each init
 * call costs a provider fetch, and a verification unseals once per request. */
_Static_assert(TZ_SEAL_NONCE_LEN == 12, "the nonce is GCM's default IV length");

/* One AES-256-GCM operation over AD = ad | binding; tag is written (encrypt) or checked. */
static bool gcm(const EVP_CIPHER *cipher, bool encrypt, const uint8_t *key, const uint8_t *nonce, const char *ad,
                size_t ad_len, const char *binding, const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx) return false;
    int len = 0, fin = 0;
    bool ok = EVP_CipherInit_ex(ctx, cipher ? cipher : EVP_aes_256_gcm(), NULL, key, nonce, encrypt) == 1 &&
              EVP_CIPHER_CTX_get_iv_length(ctx) == TZ_SEAL_NONCE_LEN &&
              EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)ad, (int)ad_len) == 1 &&
              EVP_CipherUpdate(ctx, NULL, &len, (const unsigned char *)binding, (int)strlen(binding)) == 1 &&
              EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1 && (size_t)len == n &&
              (encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TZ_SEAL_TAG_LEN, tag) == 1) &&
              EVP_CipherFinal_ex(ctx, out + len, &fin) == 1 && fin == 0 &&
              (!encrypt || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TZ_SEAL_TAG_LEN, tag) == 1);
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

tz_error *tz_seal(const uint8_t key[TZ_SEAL_KEY_LEN], uint32_t version,
                  const uint8_t nonce[TZ_SEAL_NONCE_LEN], const char *binding,
                  const uint8_t *plain, size_t n, char **out) {
    *out = NULL;
    char ad[AD_HEAD_MAX];
    size_t ad_len = make_ad(version, binding, ad);
    if (!key || !nonce || !plain || n == 0 || n > TZ_SEAL_MAX_PLAIN || version == 0 ||
        version > TZ_SEAL_MAX_VERSION || ad_len == 0)
        return tz_err_new(TZE_INTERNAL);
    uint8_t blob[BLOB_MAX];
    size_t blob_len = TZ_SEAL_NONCE_LEN + n + TZ_SEAL_TAG_LEN;
    memcpy(blob, nonce, TZ_SEAL_NONCE_LEN);
    if (!gcm(NULL, true, key, nonce, ad, ad_len, binding, plain, n, blob + TZ_SEAL_NONCE_LEN,
             blob + TZ_SEAL_NONCE_LEN + n)) {
        OPENSSL_cleanse(blob, sizeof blob);
        return tz_err_new(TZE_INTERNAL);
    }
    char header[32];
    int h = snprintf(header, sizeof header, TZ_SEAL_PREFIX "%u$", version);
    size_t b64_len = tz_b64std_encoded_len(blob_len);
    char *text = malloc((size_t)h + b64_len + 1);
    if (text) {
        memcpy(text, header, (size_t)h);
        tz_b64std_encode(blob, blob_len, text + h);
        text[(size_t)h + b64_len] = '\0';
    }
    OPENSSL_cleanse(blob, sizeof blob);
    if (!text) return tz_err_new(TZE_INTERNAL);
    *out = text;
    return NULL;
}

tz_error *tz_unseal(const uint8_t key[TZ_SEAL_KEY_LEN], const char *sealed, const char *binding,
                    uint8_t *out, size_t cap, size_t *n) {
    return tz_unseal_with(NULL, key, sealed, binding, out, cap, n);
}

tz_error *tz_unseal_with(const EVP_CIPHER *aes_256_gcm, const uint8_t key[TZ_SEAL_KEY_LEN], const char *sealed,
                         const char *binding, uint8_t *out, size_t cap, size_t *n) {
    *n = 0;
    uint32_t version = 0;
    const char *b64 = parse_header(sealed, &version);
    char ad[AD_HEAD_MAX];
    size_t ad_len = b64 ? make_ad(version, binding, ad) : 0;
    size_t len = b64 ? strlen(b64) : 0;
    uint8_t blob[BLOB_MAX + 3], plain[TZ_SEAL_MAX_PLAIN];
    size_t blob_len = 0;
    bool ok = key && out && ad_len > 0 && len % 4 == 0 && len / 4 * 3 <= sizeof blob &&
              tz_b64std_decode(b64, len, blob, &blob_len) &&
              blob_len > TZ_SEAL_NONCE_LEN + TZ_SEAL_TAG_LEN &&
              blob_len - TZ_SEAL_NONCE_LEN - TZ_SEAL_TAG_LEN <= sizeof plain;
    size_t plain_len = ok ? blob_len - TZ_SEAL_NONCE_LEN - TZ_SEAL_TAG_LEN : 0;
    ok = ok && plain_len <= cap &&
         gcm(aes_256_gcm, false, key, blob, ad, ad_len, binding, blob + TZ_SEAL_NONCE_LEN, plain_len, plain,
             blob + TZ_SEAL_NONCE_LEN + plain_len);
    if (ok) {
        memcpy(out, plain, plain_len);
        if (plain_len < cap) out[plain_len] = 0;
        *n = plain_len;
    }
    OPENSSL_cleanse(plain, sizeof plain);
    OPENSSL_cleanse(blob, sizeof blob);
    return ok ? NULL : tz_err_new(TZE_INTERNAL);
}
